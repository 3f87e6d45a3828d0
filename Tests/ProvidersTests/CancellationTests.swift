import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Providers
import Synchronization
import Testing

/// A superseded apply is cancelled while one of its provider's AWS calls is on the wire. Whichever
/// provider that is, the executor must record the node as cancelled (left `creating`, as evidence to
/// adopt from), never as failed: the supervisor posts "Superseded" only when no node failed and the
/// run has no error, and "Provisioning failed" otherwise.
///
/// Each test delays one real call of its provider at the local endpoint with a latency fault (scoped to
/// its own access key), waits until that fault has fired (so the call is in flight), then cancels.
@Suite("Cancelling an apply inside a provider's AWS call")
struct CancellationTests {
    /// Far longer than any apply here takes; an apply that waits it out was not interrupted.
    static let latency: Duration = .seconds(20)
    let accessKey = LocalAWS.uniqueAccessKey()
    var client: AWSClient { LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)) }

    @Test("S3 prefix: cancelled while writing its marker")
    func s3Prefix() async throws {
        try await LocalAWS.requireRunning()
        let bucket = LocalAWS.uniqueName("prenv-cancel")
        try await S3(client: LocalAWS.client()).createBucket(bucket)
        try await expectCancelled(
            provider: S3PrefixProvider(client: client), service: "s3", operation: "PUT",
            resource: """
                type: aws/s3-prefix
                    properties: { bucket: \(bucket), prefix: "pr-7/" }
                """)
    }

    @Test("CodeBuild project: cancelled inside CreateProject")
    func codeBuildProject() async throws {
        try await LocalAWS.requireRunning()
        let role = try await LocalAWS.serviceRoleARN(client: LocalAWS.client())
        try await expectCancelled(
            provider: CodeBuildProjectProvider(client: client), service: "codebuild", operation: "CreateProject",
            resource: """
                type: aws/codebuild-project
                    properties:
                      name: \(LocalAWS.uniqueName("prenv-cancel"))
                      source: { type: GITHUB, location: "https://github.com/acme/webapp.git" }
                      environment: { image: "aws/codebuild/standard:7.0", compute_type: BUILD_GENERAL1_SMALL }
                      service_role: \(role)
                """)
    }

    @Test("CodePipeline: cancelled inside CreatePipeline")
    func codePipeline() async throws {
        try await LocalAWS.requireRunning()
        let seeder = CodePipeline(client: LocalAWS.client())
        let role = try await LocalAWS.serviceRoleARN(client: seeder.client)
        let template = LocalAWS.uniqueName("prenv-cancel-main")
        _ = try await seeder.createPipeline(
            LocalAWS.pipelineDocument(name: template, roleArn: role, bucket: "acme-main-artifacts", project: "acme-build"), tags: [])
        try await expectCancelled(
            provider: CodePipelineProvider(client: client, waiter: .fast, githubOAuthToken: { _ in nil }),
            service: "codepipeline", operation: "CreatePipeline",
            resource: """
                type: aws/codepipeline
                    properties: { name: \(LocalAWS.uniqueName("prenv-cancel")), template: \(template), branch: feature/login, replace_projects: { acme-build: other-build }, keep_actions: ["Deploy/Deploy"] }
                """)
    }

    @Test("CloudFormation stack: cancelled inside CreateStack")
    func cloudFormationStack() async throws {
        try await LocalAWS.requireRunning()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(LocalAWS.uniqueName("prenv-cancel"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("Resources:\n  Site:\n    Type: AWS::S3::Bucket\n".utf8).write(to: directory.appendingPathComponent("site.yaml"))
        try await expectCancelled(
            provider: CloudFormationStackProvider(client: client, waiter: .fast), service: "cloudformation", operation: "CreateStack",
            resource: """
                type: aws/cloudformation-stack
                    properties: { stack_name: \(LocalAWS.uniqueName("prenv-cancel")), template_file: site.yaml }
                """,
            baseDirectory: directory.path)
    }

    /// Applies a one-resource blueprint (`resource` is the node's YAML, indented for its place) with
    /// `provider`, cancels the apply while `service`'s `operation` is delayed, and checks the outcome.
    func expectCancelled(
        provider: any ResourceProvider, service: String, operation: String, resource: String, baseDirectory: String? = nil
    ) async throws {
        let yaml = """
            name: cancel
            on: { repositories: ["acme/*"] }
            resources:
              node:
                \(resource)
            """
        let blueprint = try BlueprintLoader.parse(yaml: yaml, file: "cancel.yaml", baseDirectory: baseDirectory, kinds: ProviderKind.all.resourceKinds)
        let context = PRContext(owner: "acme", repository: "webapp", number: 7, headSHA: String(repeating: "a", count: 40),
                                headRef: "feature/login", baseRef: "main", author: "octocat")
        let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "cancel")
        let plan = Planner.plan(blueprint: blueprint, context: context, recorded: nil)
        let executor = Executor(providers: [provider], store: InMemoryStateStore())
        let fault = try await LocalAWS.addFault([
            "kind": "latency", "latency_ms": Int(Self.latency.components.seconds * 1000), "count": 1,
            "service": service, "operation": operation, "access_key": accessKey,
        ])
        let events = Mutex<[ProgressEvent]>([])
        let apply = Task {
            await executor.apply(plan: plan, blueprint: blueprint, context: context, key: key) { event in events.withLock { $0.append(event) } }
        }
        do {
            try await LocalAWS.waitUntilFired(fault, within: .seconds(60))
        } catch {
            apply.cancel()
            _ = await apply.value
            throw error
        }
        apply.cancel()
        let cancelledAt = ContinuousClock.now
        let result = await apply.value

        #expect(cancelledAt.duration(to: .now) < Self.latency - .seconds(2), "the apply waited out the delayed \(operation) instead of stopping")
        #expect(result.cancelledNodes == ["node"], "\(result.summary)")
        #expect(result.failedNodes.isEmpty, "recorded as failed: \(result.summary)")
        #expect(result.error == nil)
        #expect(!result.succeeded)
        let node = try #require(result.record?.nodes["node"])
        #expect(node.status == .creating)
        #expect(node.lastError == nil)
        let failures = events.withLock { $0 }.filter { if case .failed = $0 { true } else { false } }
        #expect(failures.isEmpty, "\(failures)")
    }
}
