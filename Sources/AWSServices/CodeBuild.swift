import AWSCore

/// AWS CodeBuild (JSON 1.1): only the operations prenv needs. Member names follow the AWS model.
/// Every call throws what `AWSClient.send` throws: `AWSError`, or `CancellationError` when cancelled.
///
/// Projects travel as `JSONValue` objects so a template project is copied with every setting intact.
public struct CodeBuild: Sendable {
    public let client: AWSClient
    public init(client: AWSClient) { self.client = client }

    public typealias Project = [String: JSONValue]

    public struct Tag: Codable, Sendable, Hashable {
        public var key: String
        public var value: String
        public init(key: String, value: String) { self.key = key; self.value = value }
    }

    public struct EnvironmentVariable: Codable, Sendable, Hashable {
        public var name: String
        public var value: String
        /// PLAINTEXT, PARAMETER_STORE or SECRETS_MANAGER.
        public var type: String?
        public init(name: String, value: String, type: String? = nil) { self.name = name; self.value = value; self.type = type }
    }

    public struct Build: Codable, Sendable, Equatable {
        public var id: String
        public var arn: String?
        public var buildStatus: String?
        public var currentPhase: String?
        public var projectName: String?
        public var sourceVersion: String?
        public var resolvedSourceVersion: String?
        public var buildComplete: Bool?
    }

    struct ProjectOutput: Decodable { var project: Project }

    /// CreateProject; the input is the whole project document (name, source, artifacts, environment, serviceRole, tags, …).
    public func createProject(_ project: Project) async throws -> Project {
        try await client.json(.codeBuild, "CreateProject", project, as: ProjectOutput.self).project
    }

    /// UpdateProject; only the members present are changed.
    public func updateProject(_ project: Project) async throws -> Project {
        try await client.json(.codeBuild, "UpdateProject", project, as: ProjectOutput.self).project
    }

    public struct BatchGetProjectsOutput: Decodable, Sendable {
        public var projects: [Project]?
        public var projectsNotFound: [String]?
    }

    public func batchGetProjects(names: [String]) async throws -> BatchGetProjectsOutput {
        try await client.json(.codeBuild, "BatchGetProjects", ["names": names])
    }

    public func deleteProject(name: String) async throws {
        _ = try await client.json(.codeBuild, "DeleteProject", ["name": name], as: AWSEmpty.self)
    }

    struct StartBuildInput: Encodable {
        var projectName: String
        var sourceVersion: String?
        var environmentVariablesOverride: [EnvironmentVariable]?
        var idempotencyToken: String?
    }

    struct BuildOutput: Decodable { var build: Build }

    public func startBuild(
        projectName: String, sourceVersion: String? = nil, environmentVariablesOverride: [EnvironmentVariable]? = nil,
        idempotencyToken: String? = nil
    ) async throws -> Build {
        let input = StartBuildInput(
            projectName: projectName, sourceVersion: sourceVersion,
            environmentVariablesOverride: environmentVariablesOverride, idempotencyToken: idempotencyToken)
        return try await client.json(.codeBuild, "StartBuild", input, as: BuildOutput.self).build
    }

    public struct BatchGetBuildsOutput: Decodable, Sendable {
        public var builds: [Build]?
        public var buildsNotFound: [String]?
    }

    public func batchGetBuilds(ids: [String]) async throws -> BatchGetBuildsOutput {
        try await client.json(.codeBuild, "BatchGetBuilds", ["ids": ids])
    }
}
