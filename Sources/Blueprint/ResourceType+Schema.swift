/// The properties of each resource type. `blueprints/README.md` documents this table; keep them in step.
extension ResourceType {
    var schema: [PropertySchema] {
        switch self {
        case .s3Prefix:
            [
                .string("bucket", required: true, name: .sanitized(.s3Bucket)),
                .string("prefix", required: true, name: .sanitized(.s3KeyPrefix)),
                PropertySchema(name: "create_bucket", kind: .bool, defaultValue: "false"),
            ]
        case .codeBuildProject:
            [
                .string("name", required: true, name: .sanitized(.codeBuild)),
                .string("template", name: .existing(.codeBuild)),
                PropertySchema(name: "source", kind: .object(Self.codeBuildSource)),
                PropertySchema(name: "environment", kind: .object(Self.codeBuildEnvironment)),
                .string("service_role"),
                .string("source_version"),
                PropertySchema(name: "environment_variables", kind: .stringMap),
                .string("artifacts_location"),
            ]
        case .codePipeline:
            [
                .string("name", required: true, name: .sanitized(.codePipeline)),
                .string("template", required: true, name: .existing(.codePipeline)),
                .string("branch", default: "${pr.head.ref}"),
                .string("artifact_store", name: .existing(.s3Bucket)),
                PropertySchema(name: "replace_projects", kind: .stringMap),
                .string("source_revision", default: "${pr.head.sha}"),
                PropertySchema(name: "github_oauth_token_env", kind: .verbatim),
            ]
        case .cloudFormationStack:
            [
                .string("stack_name", required: true, name: .sanitized(.cloudFormationStack)),
                PropertySchema(name: "template_file", kind: .verbatim),
                PropertySchema(name: "template_body", kind: .verbatim),
                PropertySchema(name: "parameters", kind: .stringMap),
                PropertySchema(name: "capabilities", kind: .choiceList(Self.capabilities)),
            ]
        }
    }

    static let capabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]

    /// The inline alternative to copying a template project.
    static let codeBuildInline = ["source", "environment", "service_role"]

    static let codeBuildSource: [PropertySchema] = [
        PropertySchema(
            name: "type",
            kind: .choice(["NO_SOURCE", "CODEPIPELINE", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "CODECOMMIT", "S3"]),
            required: true
        ),
        .string("location"),
        // Buildspecs use shell `${VAR}` syntax, so they are passed on verbatim.
        PropertySchema(name: "buildspec", kind: .verbatim),
    ]

    static let codeBuildEnvironment: [PropertySchema] = [
        .string("image", required: true),
        .string("compute_type", default: "BUILD_GENERAL1_SMALL"),
        .string("type", default: "LINUX_CONTAINER"),
        PropertySchema(name: "privileged_mode", kind: .bool, defaultValue: "false"),
    ]
}
