import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// One test's world: its own access key (so fault rules and call counts are its own), a freshly
/// seeded template pipeline, an environment name, and a recorder for progress and stage events.
struct CodePipelineHarness {
    let accessKey: String
    let pipelines: CodePipeline
    let role: String
    let template: String
    let artifacts: String
    let context: ProvisionContext
    let recorder = CodePipelineRecorder()
    static let sha1 = "1111111111111111111111111111111111111111"
    static let sha2 = "2222222222222222222222222222222222222222"
    static let sha3 = "3333333333333333333333333333333333333333"

    var envName: String { context.envName }

    /// Seeds `document(name, role)` as the template (untagged, like a team's real main pipeline).
    init(document: (_ name: String, _ role: String) -> [String: JSONValue] = Self.standard) async throws {
        try await LocalAWS.requireRunning()
        accessKey = LocalAWS.uniqueAccessKey()
        pipelines = CodePipeline(client: LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)))
        role = try await LocalAWS.serviceRoleARN(client: pipelines.client)
        template = LocalAWS.uniqueName("cp-main")
        artifacts = LocalAWS.uniqueName("cp-artifacts")
        _ = try await pipelines.createPipeline(document(template, role), tags: [])
        context = ProvisionContext(
            envName: LocalAWS.uniqueName("webapp-site-pr5"), key: EnvironmentKey(repository: "acme/site", pr: 5, blueprint: "webapp"),
            headSHA: Self.sha1)
    }

    static func standard(name: String, role: String) -> [String: JSONValue] {
        LocalAWS.pipelineDocument(name: name, roleArn: role, bucket: "acme-main-artifacts", project: "acme-build")
    }

    /// A provider whose calls are counted under `accessKey` (a fresh one per lifecycle step lets a
    /// test count one step's calls alone).
    func provider(accessKey: String? = nil, token: String? = nil) -> CodePipelineProvider {
        let key = accessKey ?? self.accessKey
        return CodePipelineProvider(
            client: LocalAWS.client(credentials: LocalAWS.credentials(accessKey: key)), waiter: .fast,
            githubOAuthToken: { name in name == "PRENV_TEST_GITHUB_TOKEN" ? token : nil })
    }

    func properties(sha: String = sha1, branch: String = "feature/login", extra: [String: RenderedValue] = [:]) -> [String: RenderedValue] {
        [
            "name": .string(envName), "template": .string(template), "branch": .string(branch),
            "artifact_store": .string(artifacts), "replace_projects": .map(["acme-build": .string("\(envName)-build")]),
            "source_revision": .string(sha),
            // The harness template's Deploy stage writes into this test's own artifacts bucket.
            "keep_actions": .list([.string("Deploy/Deploy")]),
        ].merging(extra) { _, new in new }
    }

    func request(_ action: ApplyAction = .create, properties: [String: RenderedValue], previous: NodeRecord? = nil) -> ApplyRequest {
        let recorder = recorder
        var context = context
        context.headSHA = properties["source_revision"]?.stringValue ?? context.headSHA
        return ApplyRequest(
            nodeID: "pipeline", action: action, properties: properties, previous: previous, context: context,
            progress: { recorder.record(progress: $0) }, stage: { recorder.record($0) })
    }

    func record(_ result: ApplyResult, properties: [String: RenderedValue], status: NodeStatus = .created) -> NodeRecord {
        NodeRecord(
            id: "pipeline", type: .codePipeline, status: status, properties: properties, outputs: result.outputs,
            physicalName: result.physicalName, updatedAt: Date())
    }

    /// The stage's first action's configuration in `declaration`.
    static func configuration(_ declaration: [String: JSONValue], stage: String) -> [String: JSONValue] {
        let found = declaration["stages"]?.arrayValue?.first { $0["name"]?.stringValue == stage }
        return found?["actions"]?.arrayValue?.first?["configuration"]?.objectValue ?? [:]
    }

    /// Calls one access key made, without the endpoint's bookkeeping noise.
    static func writes(_ counts: [String: Int]) -> [String: Int] {
        let names = ["CreatePipeline", "UpdatePipeline", "DeletePipeline", "StartPipelineExecution", "StopPipelineExecution", "TagResource"]
        return counts.filter { entry in names.contains { entry.key == "codepipeline.\($0)" } }
    }
}

/// Progress text and stage events, in arrival order; written from the provider's task.
final class CodePipelineRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storedEvents: [StageProgress] = []
    private var storedProgress: [String] = []
    /// Events since the last `reset`, for `waitForEvent`.
    private var stream: AsyncStream<StageProgress>
    private var continuation: AsyncStream<StageProgress>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: StageProgress.self)
    }

    func record(_ event: StageProgress) {
        lock.withLock {
            storedEvents.append(event)
            continuation.yield(event)
        }
    }
    func record(progress: String) { lock.withLock { storedProgress.append(progress) } }
    var events: [StageProgress] { lock.withLock { storedEvents } }
    var progress: [String] { lock.withLock { storedProgress } }
    func reset() {
        lock.withLock {
            storedEvents = []
            storedProgress = []
            continuation.finish()
            (stream, continuation) = AsyncStream.makeStream(of: StageProgress.self)
        }
    }

    /// Waits until the provider reports an event for `stage` (one waiter per recorder).
    func waitForEvent(stage: String) async {
        let events = lock.withLock { stream }
        for await event in events where event.stage == stage { return }
    }
}

@Suite struct CodePipelineProviderHarnessTests {
    @Test func harnessSeedsAnUntaggedTemplate() async throws {
        let harness = try await CodePipelineHarness()
        let template = try await harness.pipelines.getPipeline(name: harness.template)
        let arn = try #require(template.metadata?.pipelineArn)
        #expect(try await harness.pipelines.listTagsForResource(resourceArn: arn).isEmpty)
    }
}
