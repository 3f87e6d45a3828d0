import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Testing

/// One CodeBuild-project test's world: its own access key for the provider (counted calls, scoped
/// faults), a seeding client for templates and foreign projects, unique names.
struct CodeBuildProjectHarness {
    let accessKey = LocalAWS.uniqueAccessKey()
    let name = LocalAWS.uniqueName("prenv-cbp")
    let seeder = CodeBuild(client: LocalAWS.client())
    let role: String
    let context: ProvisionContext
    let events = CodeBuildProjectEvents()

    static func make(env: String = LocalAWS.uniqueName("env")) async throws -> CodeBuildProjectHarness {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: LocalAWS.client())
        return CodeBuildProjectHarness(role: role, env: env)
    }

    private init(role: String, env: String) {
        self.role = role
        context = ProvisionContext(envName: env, key: EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp"), headSHA: "abc123")
    }

    var client: AWSClient { LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)) }
    var provider: CodeBuildProjectProvider { CodeBuildProjectProvider(client: client) }

    /// A template project as a team would have it: a larger machine, its own variables and tags.
    func makeTemplate() async throws -> String {
        let template = LocalAWS.uniqueName("prenv-tmpl")
        var document = LocalAWS.projectDocument(name: template, serviceRole: role, environmentVariables: ["STAGE": "production", "REGION": "eu-west-1"])
        if case .object(var environment)? = document["environment"] {
            environment["computeType"] = "BUILD_GENERAL1_LARGE"
            environment["image"] = "aws/codebuild/standard:6.0"
            document["environment"] = .object(environment)
        }
        document["sourceVersion"] = "main"
        document["tags"] = [["key": "team", "value": "web"], ["key": "prenv:env", "value": "leftover"]]
        _ = try await seeder.createProject(document)
        return template
    }

    func templateProperties(_ template: String, sourceVersion: String = "0123abcd", variables: [String: String] = ["STAGE": "preview"]) -> [String: RenderedValue] {
        ["name": .string(name), "template": .string(template), "source_version": .string(sourceVersion),
         "environment_variables": .map(variables.mapValues { .string($0) })]
    }

    func inlineProperties(image: String = "aws/codebuild/standard:7.0") -> [String: RenderedValue] {
        [
            "name": .string(name),
            "source": .map(["type": .string("GITHUB"), "location": .string("https://github.com/acme/webapp.git"), "buildspec": .string("version: 0.2\nphases: {build: {commands: [echo ${PR}]}}")]),
            "environment": .map(["image": .string(image), "compute_type": .string("BUILD_GENERAL1_SMALL"), "type": .string("LINUX_CONTAINER"), "privileged_mode": .bool(false)]),
            "service_role": .string(role),
        ]
    }

    func request(_ properties: [String: RenderedValue], action: ApplyAction = .create, previous: NodeRecord? = nil) -> ApplyRequest {
        ApplyRequest(nodeID: "build", action: action, properties: properties, previous: previous, context: context,
                     progress: { [events] in events.append($0) })
    }

    func record(_ properties: [String: RenderedValue], _ result: ApplyResult?, status: NodeStatus = .created) -> NodeRecord {
        NodeRecord(id: "build", type: .codeBuildProject, status: status, properties: properties, outputs: result?.outputs ?? [:],
                   physicalName: result?.physicalName, updatedAt: Date())
    }

    func destroy(_ record: NodeRecord) async throws {
        try await provider.destroy(record, context: context, progress: { [events] in events.append($0) })
    }

    /// The project as AWS has it now, or nil.
    func project(_ name: String? = nil) async throws -> CodeBuild.Project? {
        try await seeder.batchGetProjects(names: [name ?? self.name]).projects?.first
    }

    func calls() async throws -> [String: Int] { try await LocalAWS.callCounts(accessKey: accessKey) }

    func writes() async throws -> Int {
        try await calls().filter { ["codebuild.CreateProject", "codebuild.UpdateProject", "codebuild.DeleteProject"].contains($0.key) }
            .values.reduce(0, +)
    }
}

/// A project's environment variables as `name: value`.
func codeBuildVariables(_ project: CodeBuild.Project?) -> [String: String] {
    var variables: [String: String] = [:]
    for variable in project?["environment"]?["environmentVariables"]?.arrayValue ?? [] {
        if let name = variable["name"]?.stringValue { variables[name] = variable["value"]?.stringValue }
    }
    return variables
}

final class CodeBuildProjectEvents: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func append(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
