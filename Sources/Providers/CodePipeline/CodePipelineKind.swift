import Blueprint

extension ResourceType {
    public static let codePipeline: ResourceType = "aws/codepipeline"
}

extension ProviderKind {
    /// What `github_oauth_token_env` must begin with: checked at load and again before the lookup.
    public static let tokenVariablePrefix = "PRENV_"
    /// The variables prenv reads for itself (secrets among them): a blueprint may never hand one to a
    /// resource. `PrenvAppTests` checks that every `PRENV_` variable the settings read is listed.
    public static let prenvSettingVariables: Set<String> = [
        "PRENV_WEBHOOK_SECRET", "PRENV_API_TOKEN", "PRENV_STATE", "PRENV_HOST", "PRENV_PORT", "PRENV_BLUEPRINTS", "PRENV_INSTANCE",
        "PRENV_STATE_PASSWORD_FILE", "PRENV_REPLICA_ID", "PRENV_AWS_PACING",
    ]

    /// `aws/codepipeline`: see `CodePipelineProvider`.
    public static let codePipeline = ProviderKind(
        resource: ResourceKind(
            type: .codePipeline,
            summary: """
            A clone of an existing pipeline (the "main" pipeline), pointed at the PR's branch. A PR's commit flows
            through every action of its clone, so every action of the template must be accounted for: the source
            actions prenv rewrites, CodeBuild actions whose project `replace_projects` maps, and what `keep_actions`
            keeps; whole stages can be left out with `drop_stages`.
            """,
            properties: [
                .string("name", required: true, name: .sanitized(.codePipeline), "CodePipeline name rules; sanitised."),
                .string("template", required: true, name: .existing(.codePipeline), "The existing pipeline to clone."),
                .string("branch", default: "${pr.head.ref}", "Set on the source action. Passed to AWS **as is**: a branch is data, not a name."),
                .string("artifact_store", name: .existing(.s3Bucket), documentedDefault: "template's", "The S3 bucket for pipeline artifacts."),
                PropertySchema(name: "replace_projects", kind: .stringMap, summary: """
                    CodeBuild project names in the template (keys) → projects to run instead (values), usually \
                    `${build.outputs.name}`.
                    """),
                .string("source_revision", default: "${pr.head.sha}", "The revision the first execution starts from."),
                PropertySchema(name: "drop_stages", kind: .stringList, summary: """
                    Stages of the template left out of the clone, e.g. `[Deploy]`: main's deploy steps never run a PR's \
                    commit. A name that is not a stage of the template fails the apply.
                    """),
                PropertySchema(name: "keep_actions", kind: .stringList, summary: """
                    `Stage/Action` names of template actions kept verbatim, deliberately (role included). Any other \
                    action that is not a rewritten source or a CodeBuild action with a replaced project fails the apply \
                    before the clone exists, and so does any action-level `roleArn`.
                    """),
                PropertySchema(name: "github_oauth_token_env", kind: .environmentVariableName(prefix: tokenVariablePrefix, reserved: prenvSettingVariables), summary: """
                    For GitHub (version 1) source actions: the **name** of an environment variable of the prenv process \
                    that holds the OAuth token, beginning with `PRENV_` (so a blueprint cannot hand over the process's own \
                    credentials). Never the token itself: a value that looks like a token is rejected. Verbatim.
                    """),
            ],
            outputs: OutputSchema(fixed: ["name", "arn", "execution_id"], open: .prefixed("stage.", described: "`stage.<StageName>`"), summary: """
                `name`, `arn`, `execution_id` (the execution prenv started), and one `stage.<StageName>`
                per stage of the template with that stage's latest status (`InProgress`, `Succeeded`, `Failed`,
                …). Stage outputs exist only after the pipeline has run: a resource that references one waits for
                that.
                """),
            // A pipeline's name is its identity: a new name is a new pipeline.
            immutableProperties: ["name"]
        ),
        makeProvider: { CodePipelineProvider(client: $0.client, waiter: $0.waiter) },
        makeDiscovery: { CodePipelineDiscovery(client: $0.client) }
    )
}

extension NamingRule {
    public static let codePipeline = NamingRule.characters(
        noun: "CodePipeline pipeline name", rule: "1–100 characters from [A-Za-z0-9.@_-]", length: 1...100,
        allowed: { isASCIIAlphanumeric($0) || ".@_-".unicodeScalars.contains($0) }
    )
}
