import AWSCore
import AWSServices

extension CodeBuildProjectSpec {
    /// Members BatchGetProjects returns that CreateProject/UpdateProject do not take (read-only or
    /// managed by other APIs). `lastModifiedDate` is moto's spelling of `lastModified`.
    static let readOnlyMembers: Set<String> = [
        "arn", "created", "lastModified", "lastModifiedDate", "badge", "webhook",
        "projectVisibility", "publicProjectAlias", "resourceAccessRole",
    ]

    /// A copy of `template` (every other member kept verbatim, including ones newer than prenv)
    /// with this project's name, source version, variables, artifact location and tags.
    func templateDocument(_ template: CodeBuild.Project, tags: [String: String]) throws(ProviderError) -> [String: JSONValue] {
        var document = template.filter { !Self.readOnlyMembers.contains($0.key) && $0.value != .null }
        if let badgeEnabled = template["badge"]?["badgeEnabled"] { document["badgeEnabled"] = badgeEnabled }
        if artifactsLocation != nil, let type = template["artifacts"]?["type"]?.stringValue, type == "CODEPIPELINE" {
            throw ProviderError.invalidProperty(
                property: "artifacts_location",
                reason: "template project `\(self.template ?? "")` hands its artifacts to CodePipeline; remove `artifacts_location`")
        }
        let inherited = CodeBuildProjectProvider.tags(of: template).filter { !$0.key.hasPrefix("prenv:") }
        applyOverrides(to: &document, tags: inherited.merging(tags) { $1 })
        return document
    }
}
