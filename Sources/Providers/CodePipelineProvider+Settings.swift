import Blueprint

/// The properties of one `aws/codepipeline` resource, read once with errors that name the property.
struct CodePipelineSettings: Sendable, Hashable {
    /// The clone's name (already sanitised by the blueprint).
    var name: String
    /// The existing pipeline to copy.
    var template: String
    /// Set on every branch-bearing source action; passed to AWS as is.
    var branch: String?
    /// Replaces the artifact bucket(s) when given.
    var artifactStore: String?
    /// Template CodeBuild project name → this environment's project.
    var replaceProjects: [String: String]
    /// The commit each execution runs (V2 pipelines pin it; V1 pipelines run the branch head).
    var sourceRevision: String
    /// The *name* of the environment variable holding a GitHub (version 1) OAuth token.
    var tokenEnvironmentVariable: String?

    init(_ properties: [String: RenderedValue], headSHA: String) throws(ProviderError) {
        name = try properties.requiredString("name")
        template = try properties.requiredString("template")
        branch = properties.string("branch").flatMap { $0.isEmpty ? nil : $0 }
        artifactStore = properties.string("artifact_store").flatMap { $0.isEmpty ? nil : $0 }
        replaceProjects = properties.stringMap("replace_projects")
        let revision = properties.string("source_revision") ?? ""
        sourceRevision = revision.isEmpty ? headSHA : revision
        tokenEnvironmentVariable = properties.string("github_oauth_token_env").flatMap { $0.isEmpty ? nil : $0 }
        guard name != template else {
            throw ProviderError.invalidProperty(property: "name", reason: "the clone cannot have the template's name (\(template))")
        }
    }
}
