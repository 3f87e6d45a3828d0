import Blueprint
import Foundation
import Orchestrator
import Supervisor
import Synchronization
import Providers
import Testing
import WebhookSupport

/// Operations that ignore cancellation (as a provider stuck in a network call would) until completed.
actor StubbornOperations: EnvironmentOperations {
    private(set) var calls: [OperationCall] = []
    private var waiting: [Int: CheckedContinuation<FakeOutcome, Never>] = [:]
    private var early: [Int: FakeOutcome] = [:]
    var count: Int { calls.count }

    func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        let index = calls.count
        calls.append(.apply(sha: context.headSHA))
        let outcome = await wait(index)
        return FakeOperations.result(outcome, nodes: blueprint.resources.map(\.id), phase: .create)
    }

    func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        let index = calls.count
        calls.append(.destroy)
        return FakeOperations.result(await wait(index), nodes: ["artifacts", "build"], phase: .delete)
    }

    private func wait(_ index: Int) async -> FakeOutcome {
        await withCheckedContinuation { continuation in
            if let outcome = early.removeValue(forKey: index) { continuation.resume(returning: outcome) } else { waiting[index] = continuation }
        }
    }

    func complete(_ index: Int, _ outcome: FakeOutcome) {
        if let continuation = waiting.removeValue(forKey: index) { continuation.resume(returning: outcome) } else { early[index] = outcome }
    }
}

/// Holds whoever calls `wait()` until `release()`; counts arrivals, so a test knows a call is held.
actor Gate {
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var arrived = 0
    func wait() async {
        arrived += 1
        if open { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func release() {
        open = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }
}

/// An inbox whose `pending` waits at the gate: a drain pass held while it reads its events.
struct GatedInbox: EventInbox {
    let base: InMemoryEventInbox
    let gate: Gate
    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) async throws -> InboxAppendResult {
        await base.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload, receivedAt: receivedAt)
    }
    func pending(key: String) async throws -> [InboxEvent] {
        await gate.wait()
        return await base.pending(key: key)
    }
    func pendingKeys() async throws -> [String] { await base.pendingKeys() }
    func markProcessed(key: String, through sequence: Int64) async throws { await base.markProcessed(key: key, through: sequence) }
    func prune(processedBefore date: Date) async throws -> Int { await base.prune(processedBefore: date) }
}

/// A lease store whose releases fail (the database unreachable at that moment): a lease lost on
/// this replica's clock stays in the store, and taking it back keeps its token.
final class FailingReleases: LeaseStore {
    struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }

    let base: InMemoryLeaseStore
    let failedReleases = Mutex(0)

    init(base: InMemoryLeaseStore) { self.base = base }

    func acquire(_ key: String, holder: String, for duration: Duration) async throws -> PullRequestLease? {
        await base.acquire(key, holder: holder, for: duration)
    }

    func renew(_ lease: PullRequestLease, for duration: Duration) async throws -> PullRequestLease? { await base.renew(lease, for: duration) }

    func release(_ lease: PullRequestLease) async throws {
        failedReleases.withLock { $0 += 1 }
        throw Down()
    }

    func unownedWork() async throws -> [String] { try await base.unownedWork() }
}

/// Races around a PR's lease found by review (issue 13): a take-over, a drain and a loss of the
/// lease interleaving on one replica. Each test holds one step at a gate (or an operation that
/// ignores cancellation, as a provider stuck in a network call does) to force the interleaving.
@Suite struct ReplicaRaceTests {
    typealias F = SupervisorFixtures

    /// Lost on this replica's clock (25 s) while the store's lease (30 s) still stands, then taken
    /// back by the same replica: the earlier tenure's task, which ignores its cancellation, ends
    /// late and must count for nothing (no end recorded, no status), whether the store gave the
    /// retake a new token (the loss released the lease) or the same one (the release failed).
    @Test(arguments: [true, false])
    func aPullRequestTakenBackAfterALocalLossIgnoresTheEarlierTenuresTask(releaseWorks: Bool) async throws {
        let inbox = InMemoryEventInbox()
        let workers = InMemoryWorkerStore()
        let ops = StubbornOperations()
        let poster = RecordingStatusPoster()
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)
        let run = Task { await reporter.run() }
        defer { run.cancel() }
        let clock = ReplicaClock()
        let base = InMemoryLeaseStore(work: { await inbox.pendingKeys() })
        let failing = FailingReleases(base: base)
        let leases: any LeaseStore = releaseWorks ? base : failing
        let replica = ReplicaCoordination(holder: "A", leases: leases, signal: InProcessWorkSignal(), leader: SoleLeader(), clock: { clock.now() })
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview()], inbox: inbox, store: InMemoryStateStore(), workers: workers,
                                               operations: ops, statuses: reporter, replica: replica)
        _ = await inbox.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: F.prKey,
                               payload: try F.event("opened", at: 0).json(), receivedAt: Date())
        supervisor.wake(F.prKey)
        try #require(await eventually("apply 0") { await ops.count >= 1 })
        try #require(await eventually("apply 0's pending status sent") { let posted = await poster.posted; return await reporter.statistics().due == 0 && !posted.isEmpty })

        clock.pause(for: .seconds(26))
        await supervisor.renewLeases()
        #expect(await supervisor.heldPullRequests.isEmpty)

        supervisor.wake(F.prKey)  // a signal or a webhook for the PR
        try #require(await eventually("apply 1 (resumed)") { await ops.count >= 2 })
        #expect(await ops.calls == [.apply(sha: F.shaA), .apply(sha: F.shaA)])
        if !releaseWorks {
            #expect(failing.failedReleases.withLock { $0 } >= 1, "the fault fired")
        }
        let retaken = try #require(await base.acquire(F.prKey, holder: "A", for: .seconds(30)), "held by A")
        #expect(retaken.token == (releaseWorks ? 2 : 1), "a released lease comes back under a new token, an unreleased one under the same")

        await ops.complete(0, .failure("stale run"))
        // The stale end, if it counted, would clear the resumed apply's task and save `failed`.
        try await Task.sleep(for: .milliseconds(300))
        #expect(await supervisor.isIdle == false, "the earlier tenure's end cleared the new apply's task")
        #expect(await workers.workers().first?.machine.running == .apply(sha: F.shaA))
        #expect(await poster.posted.allSatisfy { $0.status.state != .failure }, "the earlier tenure's failure was posted")

        await ops.complete(1, .success)
        try #require(await eventually("the resumed apply's end") { await supervisor.isIdle })
        #expect(await workers.workers().first?.machine.phase == .ready(sha: F.shaA))
        #expect(await eventually("its success status") { await poster.posted.contains { $0.status.context == F.context && $0.status.state == .success } })
        #expect(await poster.posted.allSatisfy { $0.status.state != .failure })
    }

    /// The lease lost while a drain pass awaits the inbox: the pass creates no slot, saves nothing
    /// and leaves the events pending for the next holder.
    @Test func aLeaseLostWhileADrainReadsTheInboxCreatesNoSlot() async throws {
        let base = InMemoryEventInbox()
        let gate = Gate()
        let inbox = GatedInbox(base: base, gate: gate)
        let workers = InMemoryWorkerStore()
        let ops = StubbornOperations()
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        let run = Task { await reporter.run() }
        defer { run.cancel() }
        let clock = ReplicaClock()
        let leases = InMemoryLeaseStore(work: { await base.pendingKeys() })
        let replica = ReplicaCoordination(holder: "A", leases: leases, signal: InProcessWorkSignal(), leader: SoleLeader(), clock: { clock.now() })
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview()], inbox: inbox, store: InMemoryStateStore(), workers: workers,
                                               operations: ops, statuses: reporter, replica: replica)
        _ = await base.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: F.prKey,
                              payload: try F.event("opened", at: 0).json(), receivedAt: Date())
        supervisor.wake(F.prKey)
        try #require(await eventually("drain waiting on the inbox") { await gate.arrived >= 1 })
        clock.pause(for: .seconds(26))
        await supervisor.renewLeases()
        #expect(await supervisor.heldPullRequests.isEmpty)
        await gate.release()
        try #require(await eventually("the drain to end") { await supervisor.isIdle })
        #expect(await supervisor.heldPullRequests.isEmpty)
        #expect(try await supervisor.workerRecords().isEmpty, "a slot of a PR not held")
        #expect(await workers.workers().isEmpty)
        #expect(await base.pendingKeys() == [F.prKey], "the events are the next holder's")
        #expect(await ops.count == 0)
    }

    /// Two blueprints for one PR; the lease runs out on this replica's clock while the first save
    /// is in flight: the second save fails (its slot went with the lease) instead of passing
    /// silently, and the events stay pending (the store's lease, 30 s, still stands).
    @Test func aLeaseLostBetweenTwoSavesLeavesTheEventsPending() async throws {
        let inbox = InMemoryEventInbox()
        let base = InMemoryWorkerStore()
        let gate = Gate()
        let workers = GatedSaveStore(base: base, gate: gate)
        let other = try BlueprintLoader.parse(yaml: F.blueprintYAML.replacingOccurrences(of: "name: preview", with: "name: other"),
                                              file: "other.yaml", kinds: ProviderKind.all.resourceKinds)
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        let run = Task { await reporter.run() }
        defer { run.cancel() }
        let clock = ReplicaClock()
        let leases = InMemoryLeaseStore(work: { await inbox.pendingKeys() })
        let replica = ReplicaCoordination(holder: "A", leases: leases, signal: InProcessWorkSignal(), leader: SoleLeader(), clock: { clock.now() })
        let ops = StubbornOperations()
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview(), other], inbox: inbox, store: InMemoryStateStore(), workers: workers,
                                               operations: ops, statuses: reporter, replica: replica)
        _ = await inbox.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: F.prKey,
                               payload: try F.event("opened", at: 0).json(), receivedAt: Date())
        supervisor.wake(F.prKey)
        try #require(await eventually("first save in flight") { await gate.arrived >= 1 })
        clock.pause(for: .seconds(26))
        await supervisor.renewLeases()
        await gate.release()
        try #require(await eventually("the drain to end") { await supervisor.isIdle })
        #expect(await base.workers().count == 1, "only the save in flight when the lease was lost")
        #expect(await inbox.pendingKeys() == [F.prKey], "events marked processed though not every environment was saved")
        #expect(await ops.count == 0)
    }

    /// A lone replica (the SQLite default), its loops running: a wake of a released PR claims it,
    /// and nothing drains it until the take-over has loaded its saved records, so the reopen is
    /// fed to the saved (closed) machine and saved over it, and no second apply starts.
    @Test func aLoneReplicaDrainsATakenOverPullRequestOnlyOnceItsRecordsAreLoaded() async throws {
        let inbox = InMemoryEventInbox()
        let base = InMemoryWorkerStore()
        let gate = Gate()
        let workers = GatedWorkerStore(base: base, gate: gate)
        let ops = StubbornOperations()
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        let run = Task { await reporter.run() }
        defer { run.cancel() }
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview()], inbox: inbox, store: InMemoryStateStore(), workers: workers,
                                               operations: ops, statuses: reporter)
        let loops = Task { await supervisor.runReplica() }
        defer { loops.cancel() }
        func record(_ id: String, _ payload: PullRequestPayload) async throws {
            _ = await inbox.append(deliveryID: id, contentKey: id, event: "pull_request", key: F.prKey, payload: try payload.json(), receivedAt: Date())
        }
        try await record("d1", F.event("opened", at: 0))
        supervisor.wake(F.prKey)
        try #require(await eventually("apply") { await ops.count >= 1 })
        await ops.complete(0, .success)
        try #require(await eventually("idle") { let idle = await supervisor.isIdle; let pending = await inbox.pendingKeys(); return idle && pending.isEmpty })
        try await record("d2", F.event("closed", at: 5))
        supervisor.wake(F.prKey)
        try #require(await eventually("destroy") { await ops.count >= 2 })
        await ops.complete(1, .success)
        try #require(await eventually("released") { let held = await supervisor.heldPullRequests; let idle = await supervisor.isIdle; return held.isEmpty && idle })
        let closedRevision = try #require(await base.workers().first?.revision)
        #expect(await base.workers().first?.machine.isClosed == true)

        workers.armed.withLock { $0 = true }
        try await record("d3", F.event("reopened", at: 10))
        supervisor.wake(F.prKey)
        try #require(await eventually("the take-over loading the records") { await gate.arrived >= 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await inbox.pendingKeys() == [F.prKey], "drained before the records were loaded")
        #expect(await ops.count == 2)
        #expect(await supervisor.heldPullRequests.isEmpty, "held before its records are in the slots")
        await gate.release()
        try #require(await eventually("the reopen's apply") { await ops.count >= 3 })
        #expect(await ops.calls == [.apply(sha: F.shaA), .destroy, .apply(sha: F.shaA)])
        try #require(await eventually("the reopen saved") { await base.workers().first?.machine.isClosed == false })
        #expect(try #require(await base.workers().first?.revision) > closedRevision)
        #expect(await inbox.pendingKeys().isEmpty)
        await ops.complete(2, .success)
        try #require(await eventually("ready") { await base.workers().first?.machine.phase == .ready(sha: F.shaA) })
        try await Task.sleep(for: .milliseconds(200))
        #expect(await ops.count == 3, "one apply for the reopen")
    }
}

/// An inbox whose `pending` always fails, counting the reads.
final class FailingPendingInbox: EventInbox {
    struct Broken: Error, CustomStringConvertible { var description: String { "disk I/O error" } }

    let base: InMemoryEventInbox
    let reads: Mutex<Int>

    init(base: InMemoryEventInbox) {
        self.base = base
        reads = Mutex(0)
    }

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) async throws -> InboxAppendResult {
        await base.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload, receivedAt: receivedAt)
    }

    func pending(key: String) async throws -> [InboxEvent] {
        reads.withLock { $0 += 1 }
        throw Broken()
    }

    func pendingKeys() async throws -> [String] { await base.pendingKeys() }
    func markProcessed(key: String, through sequence: Int64) async throws { await base.markProcessed(key: key, through: sequence) }
    func prune(processedBefore date: Date) async throws -> Int { await base.prune(processedBefore: date) }
}

@Suite struct ReplicaFailingDrainTests {
    typealias F = SupervisorFixtures

    /// A PR whose events cannot be processed is not claimed, failed and released at every poll
    /// (every 2 s): the poll leaves it alone for a minute after a failure, then tries again.
    @Test func aPullRequestWhoseDrainFailsIsRetriedAfterABackoffNotAtEveryPoll() async throws {
        let base = InMemoryEventInbox()
        let inbox = FailingPendingInbox(base: base)
        let clock = ReplicaClock()
        let leases = InMemoryLeaseStore(work: { await base.pendingKeys() })
        let replica = ReplicaCoordination(holder: "A", leases: leases, signal: InProcessWorkSignal(), leader: SoleLeader(), clock: { clock.now() })
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview()], inbox: inbox, store: InMemoryStateStore(), workers: InMemoryWorkerStore(),
                                               operations: StubbornOperations(), statuses: reporter, replica: replica)
        _ = await base.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: F.prKey,
                              payload: try F.event("opened", at: 0).json(), receivedAt: Date())
        await supervisor.claimUnownedWork()
        #expect(inbox.reads.withLock { $0 } == 1, "the fault fired")
        #expect(await supervisor.heldPullRequests.isEmpty, "released after the failure")
        await supervisor.claimUnownedWork()
        await supervisor.claimUnownedWork()
        #expect(inbox.reads.withLock { $0 } == 1, "retried within the backoff")
        clock.pause(for: .seconds(61))
        await supervisor.claimUnownedWork()
        #expect(inbox.reads.withLock { $0 } == 2, "not retried after the backoff")
    }
}

/// A worker store whose `workers()` waits at the gate once armed: a take-over held while it loads the records.
final class GatedWorkerStore: WorkerStore {
    init(base: InMemoryWorkerStore, gate: Gate) { self.base = base; self.gate = gate }
    let base: InMemoryWorkerStore
    let gate: Gate
    let armed = Mutex(false)
    func saveWorker(_ record: WorkerRecord) async throws { await base.saveWorker(record) }
    func workers() async throws -> [WorkerRecord] {
        if armed.withLock({ $0 }) { await gate.wait() }
        return await base.workers()
    }
}

/// A worker store whose saves wait at the gate: a save held in flight.
final class GatedSaveStore: WorkerStore {
    let base: InMemoryWorkerStore
    let gate: Gate
    init(base: InMemoryWorkerStore, gate: Gate) { self.base = base; self.gate = gate }
    func saveWorker(_ record: WorkerRecord) async throws {
        await gate.wait()
        await base.saveWorker(record)
    }
    func workers() async throws -> [WorkerRecord] { await base.workers() }
}

