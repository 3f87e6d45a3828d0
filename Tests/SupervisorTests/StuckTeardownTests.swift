import Blueprint
import Foundation
import GitHub
import LogCapture
import Orchestrator
@testable import Supervisor
import Testing

/// A teardown failing for longer than `--teardown-alert-after` is reported: one `failure` status
/// naming the blocking resource and AWS's reason (again only when either changes), a warning per
/// retry, and `stuck_teardowns` in the report. With the supervisor's clock moved by the test.
@Suite struct StuckTeardownTests {
    typealias F = SupervisorFixtures
    static let hour: TimeInterval = 3600
    /// AWS's words, naming the account and (as a build might print) an access key id.
    static let denied = "build: delete failed: AccessDeniedException: User: arn:aws:iam::123456789012:role/prenv is not authorized "
        + "to perform codebuild:DeleteProject (key AKIAIOSFODNN7EXAMPLE)"

    /// The record's `build` node failed with `reason`, as the executor writes it.
    func recordFailure(_ h: SupervisorHarness, reason: String) async {
        let node = NodeRecord(id: "build", type: "aws/codebuild-project", status: .failed, physicalName: "pr-7-build",
                              lastError: reason, updatedAt: h.clock.now)
        let artifacts = NodeRecord(id: "artifacts", type: "aws/s3-prefix", status: .deleted, updatedAt: h.clock.now)
        await h.store.save(EnvironmentRecord(key: F.key, envName: "pr-7", headSHA: F.shaA, state: .destroying,
                                             nodes: ["build": node, "artifacts": artifacts], updatedAt: h.clock.now))
    }

    /// Runs one reconciler pass that must retry the teardown (call `index`), and fails it.
    func retryAndFail(_ h: SupervisorHarness, call index: Int, after seconds: TimeInterval,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws {
        h.clock.advance(by: seconds)
        await h.supervisor.reconcileOnce()
        try #require(await h.calls(index + 1, sourceLocation: sourceLocation), sourceLocation: sourceLocation)
        #expect(await h.operations.call(index)?.operation == .destroy, sourceLocation: sourceLocation)
        await h.operations.complete(index, .failure(Self.denied))
        try #require(await h.quiet(sourceLocation: sourceLocation), sourceLocation: sourceLocation)
    }

    func stuckAlerts(_ statuses: [PostedStatus]) -> [PostedStatus] {
        statuses.filter { $0.status.context == F.context && $0.status.description?.hasPrefix("Teardown stuck for") == true }
    }

    @Test func aTeardownFailingPastTheThresholdIsReportedOnceNamingWhatBlocksIt() async throws {
        let logs = CapturedLogs()
        let h = try SupervisorHarness(logger: logs.logger(), teardownAlertAfter: 6 * Self.hour)
        try await h.openReady()
        let firstFailureAt = h.clock.now
        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        await recordFailure(h, reason: Self.denied)
        await h.operations.complete(1, .failure(Self.denied))
        try #require(await h.quiet())

        // Below the threshold: retried quietly.
        try await retryAndFail(h, call: 2, after: 6 * Self.hour - 120)
        var report = try await h.supervisor.report(records: await h.store.list())
        #expect(report.stuckTeardowns == 0)
        #expect(report.environments.first?.teardownFailingSince == firstFailureAt)
        #expect(report.environments.first?.teardownFailures == 2)
        #expect(!logs.joined.contains("teardown still failing"))

        // Past it: the alert, and a warning with this retry.
        try await retryAndFail(h, call: 3, after: 240)
        // Another retry, same resource and reason: a warning, no second alert.
        try await retryAndFail(h, call: 4, after: 480)
        report = try await h.supervisor.report(records: await h.store.list())
        #expect(report.stuckTeardowns == 1)
        #expect(report.environments.first?.teardownFailures == 4)
        let json = String(decoding: try report.json(), as: UTF8.self)
        #expect(json.contains("\"stuck_teardowns\" : 1") && json.contains("\"teardown_failing_since\""), "\(json)")

        // AWS now says something else: alerted again.
        await recordFailure(h, reason: "build: delete failed: ResourceInUseException: project is in use")
        try await retryAndFail(h, call: 5, after: 960)

        let warnings = logs.all.filter { $0.contains("teardown still failing past --teardown-alert-after") }
        #expect(warnings.count == 3, "one per retry past the threshold: \(warnings)")
        #expect(warnings.allSatisfy { $0.contains("build (aws/codebuild-project pr-7-build)") && $0.contains(F.key.description) })
        #expect(warnings.first?.contains("AccessDeniedException") == true)
        #expect(warnings.first?.contains(firstFailureAt.ISO8601Format()) == true)
        #expect(warnings.allSatisfy { !$0.contains("123456789012") && !$0.contains("AKIAIOSFODNN7EXAMPLE") }, "masked in the warnings")

        let alerts = stuckAlerts(await h.flushedStatuses())
        try #require(alerts.count == 2, "\(alerts)")
        #expect(alerts.allSatisfy { $0.status.state == .failure && $0.sha == F.shaA })
        let first = alerts[0].status.description ?? ""
        #expect(first.hasPrefix("Teardown stuck for 6h 2m: build (aws/codebuild-project pr-7-build): delete failed: AccessDeniedException"), "\(first)")
        // Masked before it is cut to 140 characters: not even part of the account id shows.
        #expect(first.contains(Redaction.accountMask) && !first.contains("1234"), "\(first)")
        #expect(!alerts.contains { $0.status.description?.contains("AKIAIOSFODNN7EXAMPLE") == true })
        #expect(alerts[1].status.description?.contains("ResourceInUseException") == true)
    }

    @Test func aTeardownThatRecoversIsNoLongerCounted() async throws {
        let h = try SupervisorHarness(teardownAlertAfter: Self.hour)
        try await h.openReady()
        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        await recordFailure(h, reason: Self.denied)
        await h.operations.complete(1, .failure(Self.denied))
        try #require(await h.quiet())
        h.clock.advance(by: Self.hour + 60)
        await h.supervisor.reconcileOnce()  // alerts and retries
        try #require(await h.calls(3))
        #expect(try await h.supervisor.report(records: []).stuckTeardowns == 1)
        await h.operations.complete(2, .success)
        try #require(await h.quiet())
        let report = try await h.supervisor.report(records: [])
        #expect(report.stuckTeardowns == 0 && report.environments.first?.teardownFailingSince == nil)
        #expect(stuckAlerts(await h.flushedStatuses()).count == 1)
    }

    /// Shutting down while the alert reads the record: the pass ends, with no alert, no retry and
    /// nothing logged as a failure; the next pass (not cancelled) alerts and retries.
    @Test func cancellationWhileReadingTheRecordEndsThePassQuietly() async throws {
        let logs = CapturedLogs()
        let interrupting = LockedBox<InterruptibleStore?>(nil)
        let h = try SupervisorHarness(logger: logs.logger(), teardownAlertAfter: Self.hour) { store in
            let wrapper = InterruptibleStore(store)
            interrupting.value = wrapper
            return wrapper
        }
        let store = try #require(interrupting.value)
        try await h.openReady()
        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        await recordFailure(h, reason: Self.denied)
        await h.operations.complete(1, .failure(Self.denied))
        try #require(await h.quiet())
        h.clock.advance(by: Self.hour + 60)
        let start = logs.all.count

        await store.interruptLoads(true)
        await h.supervisor.reconcileOnce()
        #expect(await store.interruptedLoads == 1, "the record read was interrupted")
        try #require(await h.quiet())
        #expect(await h.operations.count == 2, "the pass ended before the retry")
        let failures = logs.all.dropFirst(start).filter { $0.hasPrefix("warning") || $0.hasPrefix("error") }
        #expect(failures.isEmpty, "\(failures)")

        await store.interruptLoads(false)
        await h.supervisor.reconcileOnce()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .destroy)
        #expect(stuckAlerts(await h.flushedStatuses()).count == 1, "alerted once, by the pass that was not cancelled")
    }

    @Test func theAlertDurationReadsInTheLargestTwoUnits() {
        #expect(StuckTeardown.duration(2 * 86400 + 3 * 3600 + 59 * 60 + 59) == "2d 3h")
        #expect(StuckTeardown.duration(6 * 3600 + 61) == "6h 1m")
        #expect(StuckTeardown.duration(59) == "0m")
    }
}

/// The in-memory store, whose `load` throws `CancellationError` while told to: a read interrupted
/// by shutdown, as a store doing I/O reports it.
actor InterruptibleStore: StateStore {
    let inner: InMemoryStateStore
    private var interrupting = false
    private(set) var interruptedLoads = 0

    init(_ inner: InMemoryStateStore) { self.inner = inner }

    func interruptLoads(_ on: Bool) { interrupting = on }

    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? {
        if interrupting {
            interruptedLoads += 1
            throw CancellationError()
        }
        return await inner.load(key)
    }

    func save(_ record: EnvironmentRecord) async { await inner.save(record) }
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws { try await inner.saveNode(key, node) }
    func list() async -> [EnvironmentRecord] { await inner.list() }
    func delete(_ key: EnvironmentKey) async { await inner.delete(key) }
    func instanceID(proposing candidate: String) async -> String { await inner.instanceID(proposing: candidate) }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { await inner.deployment(key, sha: sha) }
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws { await inner.saveDeployment(key, deployment) }
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { await inner.latestDeployment(key) }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { await inner.prComment(key) }
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws { await inner.savePRComment(key, comment) }
}

/// A value set from a non-async closure and read after it.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
