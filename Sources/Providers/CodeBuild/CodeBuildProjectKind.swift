import Blueprint

extension ResourceType {
    public static let codeBuildProject: ResourceType = "aws/codebuild-project"
}

extension ProviderKind {
    /// `aws/codebuild-project`: see `CodeBuildProjectProvider`.
    public static let codeBuildProject = ProviderKind(
        resource: ResourceKind(
            type: .codeBuildProject,
            summary: """
            A CodeBuild project for this PR: either a copy of an existing project (`template`), or a minimal
            inline definition (`source` + `environment` + `service_role`). Exactly one of the two.
            """,
            properties: [
                .string("name", required: true, name: .sanitized(.codeBuild), "CodeBuild name rules; sanitised."),
                .string("template", name: .existing(.codeBuild),
                        "An existing project whose settings are copied (source, environment, role, artifacts, …)."),
                PropertySchema(name: "source", kind: .object(CodeBuildProjectSpec.sourceSchema), summary: """
                    Inline: `type` (required: \(CodeBuildProjectSpec.sourceTypes.map { "`\($0)`" }.joined(separator: ", "))), \
                    `location` (string), `buildspec` (string, **verbatim**: `${…}` in it belongs to the build shell).
                    """),
                PropertySchema(name: "environment", kind: .object(CodeBuildProjectSpec.environmentSchema), summary: """
                    Inline: `image` (required), `compute_type` (default `BUILD_GENERAL1_SMALL`), `type` (default \
                    `LINUX_CONTAINER`), `privileged_mode` (boolean, default `false`).
                    """),
                .string("service_role", name: .existing(.iamRoleARN), "Inline: the IAM role ARN CodeBuild runs as."),
                .string("source_version", documentedDefault: "project's own", "Commit, branch or tag to build, e.g. `${pr.head.sha}`."),
                PropertySchema(name: "environment_variables", kind: .stringMap,
                               summary: "Added to (and overriding) the project's plaintext variables."),
                .string("artifacts_location", documentedDefault: "project's own", "Where build artifacts go (a bucket, or `bucket/path`)."),
            ],
            rules: [
                .exactlyOne([
                    .init(["template"], described: "`template` (an existing project to copy)"),
                    .init(["source", "environment", "service_role"], described: "an inline definition with `source`, `environment` and `service_role`",
                          whenPartial: "an inline definition needs `source`, `environment` and `service_role`"),
                ], conflict: "copy an existing project or define one inline, not both"),
            ],
            outputs: OutputSchema(fixed: ["name", "arn"], summary: "`name`, `arn`."),
            // A project's name is its identity: a new name is a new project.
            immutableProperties: ["name"]
        ),
        makeProvider: { CodeBuildProjectProvider(client: $0.client) },
        makeDiscovery: { CodeBuildProjectDiscovery(client: $0.client) }
    )
}

extension CodeBuildProjectSpec {
    static let sourceTypes = ["NO_SOURCE", "CODEPIPELINE", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "CODECOMMIT", "S3"]

    static let sourceSchema: [PropertySchema] = [
        PropertySchema(name: "type", kind: .choice(sourceTypes), required: true),
        .string("location"),
        // Buildspecs use shell `${VAR}` syntax, so they are passed on verbatim.
        PropertySchema(name: "buildspec", kind: .verbatim),
    ]

    static let environmentSchema: [PropertySchema] = [
        .string("image", required: true),
        .string("compute_type", default: "BUILD_GENERAL1_SMALL"),
        .string("type", default: "LINUX_CONTAINER"),
        PropertySchema(name: "privileged_mode", kind: .bool, defaultValue: "false"),
    ]
}

extension NamingRule {
    public static let codeBuild = NamingRule.characters(
        noun: "CodeBuild project name", rule: "2–255 characters matching [A-Za-z0-9][A-Za-z0-9_-]*", length: 2...255,
        allowed: { isASCIIAlphanumeric($0) || $0 == "_" || $0 == "-" }, first: isASCIIAlphanumeric
    )
}
