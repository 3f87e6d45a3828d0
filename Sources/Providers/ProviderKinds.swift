/// Every resource kind this build of prenv ships, in documentation order. The one list: the
/// composition root, `prenv validate`/`plan` and the tests all read it. A new kind is a folder
/// beside these (see CONTRIBUTING.md) plus one line here.
extension ProviderKind {
    public static let all: [ProviderKind] = [
        .s3Prefix,
        .codeBuildProject,
        .codePipeline,
        .cloudFormationStack,
    ]
}
