import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator
import Providers
import Supervisor
import Testing
import WebhookSupport

// MARK: Test doubles

/// One commit status as the poster received it.
struct PostedStatus: Sendable, Equatable, CustomStringConvertible {
    var repository: String
    var sha: String
    var status: CommitStatus

    var description: String {
        "\(repository)@\(sha.prefix(7)) \(status.context) \(status.state.rawValue): \(status.description ?? "")"
    }
}

/// Collects every status posted, in order; optionally refuses some (as GitHub does with a 422 or a 5xx).
actor RecordingStatusPoster: CommitStatusPoster {
    struct Refused: Error {}

    private(set) var posted: [PostedStatus] = []
    private(set) var refused: [PostedStatus] = []
    private let refuse: @Sendable (CommitStatus) -> Bool

    init(refuse: @escaping @Sendable (CommitStatus) -> Bool = { _ in false }) {
        self.refuse = refuse
    }

    func post(repository: String, sha: String, status: CommitStatus) async throws {
        let item = PostedStatus(repository: repository, sha: sha, status: status)
        if refuse(status) {
            refused.append(item)
            throw Refused()
        }
        posted.append(item)
    }
}

/// What the supervisor asked the operations to do.
enum OperationCall: Sendable, Equatable, CustomStringConvertible {
    case apply(sha: String)
    case destroy

    var description: String {
        switch self {
        case .apply(let sha): "apply(\(sha.prefix(7)))"
        case .destroy: "destroy"
        }
    }
}

/// How the test ends an operation.
enum FakeOutcome: Sendable, Equatable {
    case success
    /// The first node fails with this message (as AWS words it); the others are skipped.
    case failure(String)
    /// What a real apply returns once its task is cancelled: every node `.cancelled`.
    case cancelled
}

struct FakeAWSError: Error, Sendable, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Operations the test controls: every call is recorded and waits until the test completes it,
/// or until its task is cancelled (then it returns a result whose outcomes are all `.cancelled`,
/// as the executor does).
actor FakeOperations: EnvironmentOperations {
    struct Call: Sendable {
        var operation: OperationCall
        var key: EnvironmentKey
        var context: PRContext?
        var nodes: [String]
        /// How it ended, once it has.
        var outcome: FakeOutcome?
        /// Its task was cancelled while it waited.
        var sawCancellation = false
    }

    private(set) var calls: [Call] = []
    private var waiting: [Int: CheckedContinuation<FakeOutcome, Never>] = [:]
    private var early: [Int: FakeOutcome] = [:]
    /// Nodes a destroy reports (the supervisor passes no blueprint to `destroy`).
    let destroyNodes: [String]

    init(destroyNodes: [String] = ["artifacts", "build"]) {
        self.destroyNodes = destroyNodes
    }

    var operations: [OperationCall] { calls.map(\.operation) }
    var count: Int { calls.count }
    /// Calls that have not ended yet.
    var running: [Int] { calls.indices.filter { calls[$0].outcome == nil } }

    func call(_ index: Int) -> Call? { calls.indices.contains(index) ? calls[index] : nil }

    func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        let nodes = blueprint.resources.map(\.id)
        let index = calls.count
        calls.append(Call(operation: .apply(sha: context.headSHA), key: key, context: context, nodes: nodes))
        if let first = nodes.first { observer.progress(.started(node: first, action: .create, at: Date())) }
        let outcome = await wait(index)
        if outcome == .success, let first = nodes.first {
            observer.progress(.succeeded(node: first, action: .create, duration: .seconds(1)))
        }
        return Self.result(outcome, nodes: nodes, phase: .create)
    }

    func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        let index = calls.count
        calls.append(Call(operation: .destroy, key: key, nodes: destroyNodes))
        return Self.result(await wait(index), nodes: destroyNodes, phase: .delete)
    }

    /// Ends call `index` (no effect if it already ended).
    func complete(_ index: Int, _ outcome: FakeOutcome) {
        guard calls.indices.contains(index), calls[index].outcome == nil else { return }
        calls[index].outcome = outcome
        if let continuation = waiting.removeValue(forKey: index) {
            continuation.resume(returning: outcome)
        } else {
            early[index] = outcome
        }
    }

    private func cancelled(_ index: Int) {
        guard calls.indices.contains(index), calls[index].outcome == nil else { return }
        calls[index].sawCancellation = true
        complete(index, .cancelled)
    }

    private func wait(_ index: Int) async -> FakeOutcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if let outcome = early.removeValue(forKey: index) {
                    continuation.resume(returning: outcome)
                } else {
                    waiting[index] = continuation
                }
            }
        } onCancel: {
            Task { await self.cancelled(index) }
        }
    }

    static func result(_ outcome: FakeOutcome, nodes: [String], phase: ProvisionError.Phase) -> ExecutionResult {
        var result = ExecutionResult()
        for node in nodes {
            switch outcome {
            case .success:
                result.outcomes[node] = .succeeded
            case .cancelled:
                result.outcomes[node] = .cancelled
            case .failure(let message):
                if node == nodes.first {
                    result.outcomes[node] = .failed(ProvisionError(node: node, phase: phase, underlying: FakeAWSError(message: message)))
                } else {
                    result.outcomes[node] = .skipped(blockedBy: [nodes[0]])
                }
            }
            result.actions[node] = phase == .delete ? .delete : .create
        }
        return result
    }
}

// MARK: Fixtures

enum SupervisorFixtures {
    static let blueprintYAML = """
        name: preview
        on:
          repositories: ["acme/*"]
          base_branches: ["main"]
          skip_labels: ["no-preview"]
          forks: skip
        resources:
          artifacts:
            type: aws/s3-prefix
            properties: { bucket: acme-previews, prefix: "${repo.name}/pr-${pr.number}/" }
          build:
            type: aws/codebuild-project
            properties:
              name: "${env.name}-build"
              template: acme-webapp-build
              source_version: "${pr.head.sha}"
              environment_variables: { ARTIFACT_URI: "${artifacts.outputs.uri}" }
        status:
          detail: all
        """

    static func preview() throws -> Blueprint {
        try BlueprintLoader.parse(yaml: blueprintYAML, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
    }

    static let shaA = String(repeating: "a", count: 40)
    static let shaB = String(repeating: "b", count: 40)
    static let shaC = String(repeating: "c", count: 40)
    static let prKey = "acme/webapp#7"
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "preview")
    static let context = "prenv/preview"

    /// A payload of PR acme/webapp#7 against main; `at` orders events (seconds).
    static func event(_ action: String, sha: String = shaA, at seconds: Int, labels: [String] = [],
                      fromFork: Bool = false, repository: String = "acme/webapp", baseRef: String = "main") -> PullRequestPayload {
        PullRequestPayload(action: action, repository: repository, number: 7, headSHA: sha, baseRef: baseRef,
                           fromFork: fromFork, labels: labels, updatedAt: WebhookFixtures.timestamp(seconds))
    }
}

/// Polls `condition` every 10 ms for up to `limit`; records an issue naming `what` when it never holds.
/// A bound on waiting, not a timing assertion: generous, since a loaded two-core machine can stall
/// the cooperative pool for half a minute at the start of a full run, when every suite starts at once
/// (the PostgreSQL suites' servers and databases among them), and a lone replica's poll, which catches
/// a wake-up lost in that crush, comes once a minute.
func eventually(_ what: String, within limit: Duration = .seconds(90), sourceLocation: SourceLocation = #_sourceLocation,
                _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: limit)
    while true {
        if await condition() { return true }
        if clock.now >= deadline {
            Issue.record("timed out after \(limit) waiting for \(what)", sourceLocation: sourceLocation)
            return false
        }
        try? await Task.sleep(for: .milliseconds(10))
    }
}

/// A supervisor over in-memory stores, fake operations and a recording status poster.
final class SupervisorHarness: Sendable {
    let inbox: InMemoryEventInbox
    let store: InMemoryStateStore
    let workers: InMemoryWorkerStore
    let operations: FakeOperations
    let poster: RecordingStatusPoster
    let blueprints: [Blueprint]
    let reporter: StatusReporter
    let reporterRun: Task<Void, Never>
    let supervisor: EnvironmentSupervisor

    /// The supervisor's clock; tests move it (the reconciler's teardown backoff reads it).
    let clock = TestClock()

    /// - Parameters storeSeenBySupervisor, inboxSeenBySupervisor: what the supervisor reads `store`
    ///   and `inbox` through (a fault injector); themselves by default.
    init(blueprints: [Blueprint]? = nil, pullRequests: (any PullRequestLookup)? = nil, logger: Logger = Logger(label: "prenv.supervisor"),
         teardownAlertAfter: TimeInterval = EnvironmentSupervisor.defaultTeardownAlertAfter,
         storeSeenBySupervisor: (InMemoryStateStore) -> any StateStore = { $0 },
         inboxSeenBySupervisor: (InMemoryEventInbox) -> any EventInbox = { $0 }) throws {
        let blueprints = try blueprints ?? [SupervisorFixtures.preview()]
        let inbox = InMemoryEventInbox()
        let store = InMemoryStateStore()
        let workers = InMemoryWorkerStore()
        let operations = FakeOperations()
        let poster = RecordingStatusPoster()
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)  // what is written, not when: the budget has its own tests
        self.blueprints = blueprints
        self.inbox = inbox
        self.store = store
        self.workers = workers
        self.operations = operations
        self.poster = poster
        self.reporter = reporter
        reporterRun = Task { await reporter.run() }
        let clock = clock
        supervisor = EnvironmentSupervisor(blueprints: blueprints, inbox: inboxSeenBySupervisor(inbox), store: storeSeenBySupervisor(store), workers: workers,
                                           operations: operations, statuses: reporter, pullRequests: pullRequests, logger: logger,
                                           now: { clock.now }, teardownAlertAfter: teardownAlertAfter)
    }

    /// Another supervisor over the same stores, as after a restart.
    func restartedSupervisor() -> EnvironmentSupervisor {
        let clock = clock
        return EnvironmentSupervisor(blueprints: blueprints, inbox: inbox, store: store, workers: workers,
                                     operations: operations, statuses: reporter, now: { clock.now })
    }

    /// Records an event as intake would, without waking anyone.
    func append(_ payload: PullRequestPayload) async throws {
        let body = try payload.json()
        let contentKey = try PullRequestEvent.decode(from: body).contentKey(event: "pull_request")
        let result = await inbox.append(deliveryID: UUID().uuidString, contentKey: contentKey, event: "pull_request",
                                        key: payload.inboxKey, payload: body, receivedAt: Date())
        guard case .recorded = result else { throw NotRecorded(result: result) }
    }

    /// Records an event and wakes the PR's worker.
    func deliver(_ payload: PullRequestPayload, to supervisor: EnvironmentSupervisor? = nil) async throws {
        try await append(payload)
        (supervisor ?? self.supervisor).wake(payload.inboxKey)
    }

    /// Every event of the PR processed, nothing draining, queued or running.
    func quiet(_ prKey: String = SupervisorFixtures.prKey, supervisor: EnvironmentSupervisor? = nil,
               sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        let supervisor = supervisor ?? self.supervisor
        return await eventually("\(prKey) drained and the supervisor idle", sourceLocation: sourceLocation) {
            guard await inbox.pending(key: prKey).isEmpty else { return false }
            // The reporter has sent what it may: later writes then meet an empty queue rather than
            // coalescing with these (which `WriteQueueTests` covers).
            guard await supervisor.isIdle else { return false }
            return await reporter.statistics().due == 0
        }
    }

    /// PR #7 opened at shaA and its apply succeeded: the starting point of most tests.
    func openReady(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await deliver(SupervisorFixtures.event("opened", sha: SupervisorFixtures.shaA, at: 0))
        try #require(await calls(1), sourceLocation: sourceLocation)
        await operations.complete(0, .success)
        try #require(await quiet(), sourceLocation: sourceLocation)
    }

    /// The reason of a `skipped` phase, or nil (with the phase found recorded as an issue).
    func skippedReason(sourceLocation: SourceLocation = #_sourceLocation) async -> String? {
        let phase = await phase()
        guard case .skipped(let reason) = phase else {
            Issue.record("expected skipped, got \(String(describing: phase))", sourceLocation: sourceLocation)
            return nil
        }
        return reason
    }

    /// Waits until `count` operations were started.
    func calls(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("\(count) operation call(s)", sourceLocation: sourceLocation) {
            await operations.count >= count
        }
    }

    /// Waits until call `index` has ended (e.g. by cancellation).
    func ended(_ index: Int, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("operation call \(index) to end", sourceLocation: sourceLocation) {
            await operations.call(index)?.outcome != nil
        }
    }

    /// Ends the reporter and returns everything it posted (call last: later statuses are dropped).
    func flushedStatuses() async -> [PostedStatus] {
        reporter.finish()
        await reporterRun.value
        return await poster.posted
    }

    func phase(of key: EnvironmentKey = SupervisorFixtures.key, in supervisor: EnvironmentSupervisor? = nil) async -> EnvironmentPhase? {
        try? await (supervisor ?? self.supervisor).workerRecords().first { $0.key == key }?.machine.phase
    }

    func savedRecord(_ key: EnvironmentKey = SupervisorFixtures.key) async -> WorkerRecord? {
        await workers.workers().first { $0.key == key }
    }
}

// MARK: Tests

/// `EnvironmentSupervisor` end to end over in-memory stores: events in, operations and statuses out.
@Suite struct EnvironmentSupervisorTests {
    typealias F = SupervisorFixtures

    @Test func openedAppliesTheHeadAndReportsPendingThenSuccess() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))

        try #require(await h.calls(1))
        let call = try #require(await h.operations.call(0))
        #expect(call.operation == .apply(sha: F.shaA))
        #expect(call.key == F.key)
        let context = try #require(call.context)
        #expect(context.owner == "acme")
        #expect(context.repository == "webapp")
        #expect(context.number == 7)
        #expect(context.headSHA == F.shaA)
        #expect(context.headRef == "feature/login")
        #expect(context.baseRef == "main")
        #expect(await h.phase() == .provisioning(sha: F.shaA))
        // Saved before the apply started, so a crash now re-issues it.
        #expect(await h.savedRecord()?.machine.running == .apply(sha: F.shaA))

        await h.operations.complete(0, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaA)])
        #expect(await h.phase() == .ready(sha: F.shaA))
        let saved = try #require(await h.savedRecord())
        #expect(saved.machine.phase == .ready(sha: F.shaA))
        #expect(saved.machine.running == nil)
        #expect(saved.pullRequest.headSHA == F.shaA)

        let statuses = await h.flushedStatuses()
        let environment = statuses.filter { $0.status.context == F.context }
        #expect(environment.map(\.status.state) == [.pending, .success], "\(statuses)")
        #expect(environment.allSatisfy { $0.sha == F.shaA && $0.repository == "acme/webapp" })
        #expect(environment.first?.status.description?.hasPrefix("Provisioning 2 resources") == true)
        #expect(environment.last?.status.description?.hasPrefix("Environment ready") == true)
        let node = statuses.filter { $0.status.context == "\(F.context)/artifacts" }
        #expect(node.map(\.status.state) == [.pending, .success], "\(statuses)")
    }

    @Test func pushesDuringAnApplyCoalesceIntoOneApplyOfTheNewest() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))
        try #require(await h.calls(1))

        try await h.append(F.event("synchronize", sha: F.shaB, at: 10))
        try await h.append(F.event("synchronize", sha: F.shaC, at: 20))
        h.supervisor.wake(F.prKey)

        try #require(await h.ended(0))
        #expect(await h.operations.call(0)?.sawCancellation == true, "the running apply of A is cancelled")
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .apply(sha: F.shaC))
        await h.operations.complete(1, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaA), .apply(sha: F.shaC)])
        #expect(await h.phase() == .ready(sha: F.shaC))
        let statuses = await h.flushedStatuses()
        #expect(!statuses.contains { $0.sha == F.shaB }, "B was never applied: \(statuses)")
        #expect(statuses.last { $0.sha == F.shaA && $0.status.context == F.context }?.status.state == .error)
        #expect(statuses.last { $0.sha == F.shaC && $0.status.context == F.context }?.status.state == .success)
    }

    @Test func anApplySupersededWithinOneBatchNeverStarts() async throws {
        let h = try SupervisorHarness()
        try await h.append(F.event("opened", sha: F.shaA, at: 0))
        try await h.append(F.event("synchronize", sha: F.shaB, at: 10))
        h.supervisor.wake(F.prKey)

        try #require(await h.calls(1))
        #expect(await h.operations.call(0)?.operation == .apply(sha: F.shaB))
        await h.operations.complete(0, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaB)])
        #expect(await h.phase() == .ready(sha: F.shaB))
        let statuses = await h.flushedStatuses()
        #expect(!statuses.contains { $0.sha == F.shaA }, "nothing is reported for a commit never applied: \(statuses)")
    }

    @Test func aLateDeliveryOfAnOlderEventIsIgnored() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("synchronize", sha: F.shaB, at: 60))
        try #require(await h.calls(1))
        await h.operations.complete(0, .success)
        try #require(await h.quiet())

        // The opened event (earlier updated_at) arrives late.
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaB)])
        #expect(await h.phase() == .ready(sha: F.shaB))
        #expect(try await h.supervisor.workerRecords().first?.pullRequest.headSHA == F.shaB)
    }

    @Test func anOlderEventInTheSameBatchIsIgnored() async throws {
        let h = try SupervisorHarness()
        try await h.append(F.event("synchronize", sha: F.shaB, at: 60))
        try await h.append(F.event("opened", sha: F.shaA, at: 0))
        h.supervisor.wake(F.prKey)

        try #require(await h.calls(1))
        await h.operations.complete(0, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaB)])
        #expect(await h.phase() == .ready(sha: F.shaB))
    }

    @Test func closingDuringAnApplyCancelsItThenDestroys() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))
        try #require(await h.calls(1))

        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        #expect(await h.operations.call(0)?.sawCancellation == true)
        #expect(await h.operations.call(1)?.operation == .destroy)
        #expect(await h.operations.call(1)?.key == F.key)
        await h.operations.complete(1, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaA), .destroy])
        #expect(await h.phase() == .destroyed)
        #expect(await h.savedRecord()?.machine.phase == .destroyed)
        let statuses = await h.flushedStatuses()
        let last = statuses.last { $0.status.context == F.context }
        #expect(last?.status.state == .success)
        #expect(last?.status.description?.hasPrefix("Environment destroyed") == true, "\(statuses)")
    }

    @Test func skipLabelOnOpenedSkipsWithASuccessStatus() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0, labels: ["bug", "no-preview"]))
        try #require(await h.quiet())

        #expect(await h.operations.count == 0)
        let reason = try #require(await h.skippedReason())
        #expect(reason.contains("no-preview"))
        let statuses = await h.flushedStatuses().filter { $0.status.context == F.context }
        #expect(statuses.count == 1, "\(statuses)")
        #expect(statuses.first?.sha == F.shaA)
        #expect(statuses.first?.status.state == .success)
        #expect(statuses.first?.status.description?.hasPrefix("Skipped") == true)
        #expect(statuses.first?.status.description?.contains("no-preview") == true)
    }

    @Test func skipLabelAddedAfterReadyDestroysAndRemovingItAppliesAgain() async throws {
        let h = try SupervisorHarness()
        try await h.openReady()
        #expect(await h.phase() == .ready(sha: F.shaA))

        try await h.deliver(F.event("labeled", sha: F.shaA, at: 10, labels: ["no-preview"]))
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .destroy)
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        _ = try #require(await h.skippedReason(), "skipped after the destroy")

        try await h.deliver(F.event("unlabeled", sha: F.shaA, at: 20, labels: []))
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .apply(sha: F.shaA))
        await h.operations.complete(2, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaA), .destroy, .apply(sha: F.shaA)])
        #expect(await h.phase() == .ready(sha: F.shaA))
    }

    @Test func forkPullRequestIsSkipped() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0, fromFork: true))
        try #require(await h.quiet())

        #expect(await h.operations.count == 0)
        let reason = try #require(await h.skippedReason())
        #expect(reason.contains("fork"))
        let statuses = await h.flushedStatuses().filter { $0.status.context == F.context }
        #expect(statuses.map(\.status.state) == [.success], "\(statuses)")
        #expect(statuses.first?.status.description?.hasPrefix("Skipped") == true)
        #expect(statuses.first?.status.description?.contains("fork") == true)
    }

    /// A commit status belongs to one commit: a push to a skipped PR must say "Skipped" on the new
    /// head too, or a required `prenv/<blueprint>` check waits forever on it.
    @Test func pushToASkippedPullRequestReportsSkippedOnTheNewHead() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0, labels: ["no-preview"]))
        try #require(await h.quiet())
        try await h.deliver(F.event("synchronize", sha: F.shaB, at: 10, labels: ["no-preview"]))
        try #require(await h.quiet())

        #expect(await h.operations.count == 0)
        let statuses = await h.flushedStatuses().filter { $0.status.context == F.context }
        #expect(statuses.contains { $0.sha == F.shaA && $0.status.description?.hasPrefix("Skipped") == true }, "\(statuses)")
        #expect(statuses.contains { $0.sha == F.shaB && $0.status.description?.hasPrefix("Skipped") == true },
                "the new head commit got no prenv/preview status: \(statuses)")
    }

    /// Intake records PRs of repositories a blueprint lists, whatever their base branch: the worker
    /// decides (an `edited` moving the base away must be recorded even before its `opened` is processed).
    @Test func concernsPullRequestsOfListedRepositories() async throws {
        let h = try SupervisorHarness()
        func event(_ repository: String, base: String) throws -> PullRequestEvent {
            try PullRequestEvent.decode(from: F.event("opened", at: 0, repository: repository, baseRef: base).json())
        }
        let elsewhere = try event("elsewhere/tool", base: "main")
        let otherBase = try event("acme/webapp", base: "develop")
        let selected = try event("acme/webapp", base: "main")
        let otherCase = try event("ACME/Other", base: "main")
        #expect(await h.supervisor.concerns(elsewhere) == false)
        #expect(await h.supervisor.concerns(otherBase) == true)
        #expect(await h.supervisor.concerns(selected) == true)
        #expect(await h.supervisor.concerns(otherCase) == true)
        // A PR against another base is recorded but gets no worker: no blueprint selects it.
        try await h.deliver(F.event("opened", at: 0, baseRef: "develop"))
        try #require(await h.quiet())
        #expect(try await h.supervisor.workerRecords().isEmpty)
        #expect(await h.operations.count == 0)
    }

    @Test func startReissuesAnApplyACrashInterrupted() async throws {
        let h = try SupervisorHarness()
        var machine = EnvironmentStateMachine()
        let actions = machine.handle(.opened(PRSnapshot(repository: "acme/webapp", headSHA: F.shaA, sequence: 1_000), .provision))
        #expect(actions == [.apply(sha: F.shaA)])
        #expect(machine.running == .apply(sha: F.shaA))
        let pullRequest = PRContext(owner: "acme", repository: "webapp", number: 7, headSHA: F.shaA,
                                    headRef: "feature/login", baseRef: "main", author: "octocat")
        await h.workers.saveWorker(WorkerRecord(key: F.key, machine: machine, pullRequest: pullRequest, revision: 5,
                                                    updatedAt: Date(timeIntervalSince1970: 1_700_000_000)))

        try await h.supervisor.start()
        try #require(await h.calls(1))
        let call = try #require(await h.operations.call(0))
        #expect(call.operation == .apply(sha: F.shaA))
        #expect(call.key == F.key)
        #expect(call.context?.headRef == "feature/login")
        await h.operations.complete(0, .success)
        try #require(await h.quiet())

        // The reconciler finds nothing more to do: exactly one re-issue.
        await h.supervisor.reconcileOnce()
        try #require(await h.quiet())
        #expect(await h.operations.operations == [.apply(sha: F.shaA)])
        #expect(await h.phase() == .ready(sha: F.shaA))
        #expect(await h.savedRecord()?.machine.phase == .ready(sha: F.shaA))
        #expect((await h.savedRecord()?.revision ?? 0) > 5)
    }

    @Test func stopCancelsARunningApplyWithoutRecordingItsEnd() async throws {
        let h = try SupervisorHarness()
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))
        try #require(await h.calls(1))

        await h.supervisor.stop()

        #expect(await h.operations.call(0)?.sawCancellation == true)
        #expect(await h.savedRecord()?.machine.running == .apply(sha: F.shaA), "the end of a stopped apply is not recorded")

        let restarted = h.restartedSupervisor()
        try await restarted.start()
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .apply(sha: F.shaA))
        await h.operations.complete(1, .success)
        try #require(await h.quiet(supervisor: restarted))

        #expect(await h.operations.operations == [.apply(sha: F.shaA), .apply(sha: F.shaA)])
        #expect(await h.phase(in: restarted) == .ready(sha: F.shaA))
    }

    @Test func failureReasonReachesTheStatusTrimmedTo140() async throws {
        let h = try SupervisorHarness()
        let message = "AccessDenied: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: s3:PutObject on resource: "
            + "arn:aws:s3:::acme-previews/webapp/pr-7/" + String(repeating: "x", count: 200)
        try await h.deliver(F.event("opened", sha: F.shaA, at: 0))
        try #require(await h.calls(1))
        await h.operations.complete(0, .failure(message))
        try #require(await h.quiet())

        let phase = await h.phase()
        guard case .failed(let sha, let reason) = phase else {
            Issue.record("expected failed, got \(String(describing: phase))")
            return
        }
        #expect(sha == F.shaA)
        #expect(reason.contains("AccessDenied"))
        let statuses = await h.flushedStatuses()
        let final = try #require(statuses.last { $0.status.context == F.context })
        #expect(final.sha == F.shaA)
        #expect(final.status.state == .failure)
        let description = try #require(final.status.description)
        // AWS's words, with the account masked (see OutboundMaskingTests).
        #expect(description.hasPrefix("Provisioning failed: artifacts: create failed: AccessDenied: User: arn:aws:iam::<account>:user/ci"))
        #expect(description.unicodeScalars.count <= CommitStatus.maxDescriptionLength)
        #expect(description.hasSuffix("…"))
    }
}

struct NotRecorded: Error, CustomStringConvertible {
    let result: InboxAppendResult
    var description: String { "event not recorded: \(result)" }
}

/// A clock tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()

    var now: Date { lock.withLock { current } }

    func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}
