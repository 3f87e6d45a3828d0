import Blueprint
import Foundation
import GitHub
import Orchestrator
import Providers
import StateStoreSQLite
import Supervisor
import Testing
import WebhookSupport

/// A supervisor over one blueprint with `expire:` or `limits:`, fake operations, a recording status
/// poster and a clock the test moves; worker state in SQLite, so a restart reads it back from disk.
final class LifetimeHarness: Sendable {
    static let expiring = """

        expire:
          after: 72h
          keep_labels: [keep-preview]
        """
    static let capped = """

        limits:
          max_environments: 3
        """
    static let reason = "Expired after 72h without a push; push or label keep-preview to bring it back"

    let directory: String
    let store: SQLiteStateStore
    let inbox = InMemoryEventInbox()
    let operations = FakeOperations()
    let poster = RecordingStatusPoster()
    let reporter: StatusReporter
    let reporterRun: Task<Void, Never>
    let blueprints: [Blueprint]
    let clock = TestClock()
    let supervisor: EnvironmentSupervisor

    init(adding section: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-lifetime-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStateStore(path: directory + "/state.sqlite")
        blueprints = [try BlueprintLoader.parse(yaml: SupervisorFixtures.blueprintYAML + section, file: "preview.yaml",
                                                kinds: ProviderKind.all.resourceKinds)]
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)  // what is written, not when: the budget has its own tests
        self.reporter = reporter
        reporterRun = Task { await reporter.run() }
        supervisor = Self.supervisor(blueprints: blueprints, inbox: inbox, store: store, operations: operations, reporter: reporter, clock: clock)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    static func supervisor(blueprints: [Blueprint], inbox: InMemoryEventInbox, store: SQLiteStateStore, operations: FakeOperations,
                           reporter: StatusReporter, clock: TestClock) -> EnvironmentSupervisor {
        EnvironmentSupervisor(blueprints: blueprints, inbox: inbox, store: store, workers: store, operations: operations,
                              statuses: reporter, now: { clock.now })
    }

    /// A new supervisor over the same SQLite file, as after a restart (its own connection).
    func restarted() throws -> EnvironmentSupervisor {
        let reopened = try SQLiteStateStore(path: directory + "/state.sqlite")
        return Self.supervisor(blueprints: blueprints, inbox: inbox, store: reopened, operations: operations, reporter: reporter, clock: clock)
    }

    static func sha(_ pr: Int) -> String { String(format: "%02d", pr) + String(repeating: "e", count: 38) }
    static func key(_ pr: Int) -> EnvironmentKey { EnvironmentKey(repository: "acme/webapp", pr: pr, blueprint: "preview") }

    /// Records a delivery of PR `pr` stamped with the harness clock (plus `offset` seconds, to order
    /// events within one instant) and wakes `supervisor`.
    func deliver(_ action: String, pr: Int, sha: String? = nil, labels: [String] = [], offset: TimeInterval = 0,
                 to supervisor: EnvironmentSupervisor? = nil) async throws {
        let payload = PullRequestPayload(action: action, number: pr, headSHA: sha ?? Self.sha(pr), labels: labels,
                                         updatedAt: clock.now.addingTimeInterval(offset).formatted(.iso8601))
        let body = try payload.json()
        let contentKey = try PullRequestEvent.decode(from: body).contentKey(event: "pull_request")
        let result = await inbox.append(deliveryID: UUID().uuidString, contentKey: contentKey, event: "pull_request",
                                        key: payload.inboxKey, payload: body, receivedAt: Date())
        guard case .recorded = result else { throw NotRecorded(result: result) }
        (supervisor ?? self.supervisor).wake(payload.inboxKey)
    }

    func machine(_ pr: Int, in supervisor: EnvironmentSupervisor? = nil) async -> EnvironmentStateMachine? {
        try? await (supervisor ?? self.supervisor).workerRecords().first { $0.key == Self.key(pr) }?.machine
    }

    /// Waits until PR `pr`'s events are processed and its machine satisfies `condition`.
    func settled(_ pr: Int, _ what: String, in supervisor: EnvironmentSupervisor? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                 _ condition: @escaping @Sendable (EnvironmentStateMachine) -> Bool) async -> Bool {
        await eventually("PR #\(pr) \(what)", sourceLocation: sourceLocation) {
            guard await inbox.pending(key: "acme/webapp#\(pr)").isEmpty, let machine = await machine(pr, in: supervisor) else { return false }
            return condition(machine)
        }
    }

    /// Index of the operation call for PR `pr` (the last one when there are several).
    func callIndex(_ pr: Int, _ operation: OperationCall) async -> Int? {
        let calls = await (0 ..< operations.count).asyncCompactMap { await operations.call($0) }
        return calls.lastIndex { $0.key == Self.key(pr) && $0.operation == operation }
    }

    func waitForCall(_ pr: Int, _ operation: OperationCall, sourceLocation: SourceLocation = #_sourceLocation) async -> Int? {
        var found: Int?
        _ = await eventually("\(operation) of PR #\(pr)", sourceLocation: sourceLocation) {
            found = await callIndex(pr, operation)
            return found != nil
        }
        return found
    }

    /// The environment statuses posted so far on PR `pr`'s head, in order.
    func environmentStatuses(_ pr: Int, sha: String? = nil) async -> [String] {
        await poster.posted.filter { $0.sha == (sha ?? Self.sha(pr)) && $0.status.context == "prenv/preview" }
            .map { "\($0.status.state.rawValue): \($0.status.description ?? "")" }
    }

    /// Waits until the last environment status on PR `pr`'s head is `expected`.
    func lastStatus(_ pr: Int, is expected: String, sha: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("PR #\(pr)'s last status to be \(expected)", sourceLocation: sourceLocation) {
            await environmentStatuses(pr, sha: sha).last == expected
        }
    }
}

extension Range<Int> {
    func asyncCompactMap<T>(_ transform: (Int) async -> T?) async -> [T] {
        var result: [T] = []
        for index in self { if let value = await transform(index) { result.append(value) } }
        return result
    }
}

/// Expiry through the supervisor: the reconciler's pass, with the clock moved past `after`,
/// destroys the environment with the exact status; a keep label spares it; a push or the keep
/// label brings it back, another label does not.
@Suite struct ExpiryTests {
    typealias H = LifetimeHarness

    /// PR #7 opened now and ready.
    static func ready(_ h: H, labels: [String] = []) async throws {
        try await h.deliver("opened", pr: 7, labels: labels)
        let apply = try #require(await h.waitForCall(7, .apply(sha: H.sha(7))))
        await h.operations.complete(apply, .success)
        try #require(await h.settled(7, "ready") { $0.phase == .ready(sha: H.sha(7)) })
    }

    /// PR #7 ready, then expired by a pass 73 h later, its teardown done.
    static func expired(_ h: H) async throws {
        try await ready(h)
        h.clock.advance(by: 71 * 3600)
        await h.supervisor.reconcileOnce()
        #expect(await h.machine(7)?.phase == .ready(sha: H.sha(7)), "71 h after the push is too early")
        h.clock.advance(by: 2 * 3600)
        await h.supervisor.reconcileOnce()
        let destroy = try #require(await h.waitForCall(7, .destroy))
        try #require(await h.lastStatus(7, is: "pending: Tearing down: \(H.reason)"))
        await h.operations.complete(destroy, .success)
        try #require(await h.settled(7, "expired") { $0.phase == .skipped(reason: H.reason) && $0.running == nil })
        try #require(await h.lastStatus(7, is: "success: \(H.reason)"))
    }

    @Test func anEnvironmentWithoutAPushExpiresWithTheExactStatus() async throws {
        let h = try H(adding: H.expiring)
        try await Self.expired(h)
        #expect(await h.operations.operations == [.apply(sha: H.sha(7)), .destroy])
        let saved = try #require(try await h.store.workers().first { $0.key == H.key(7) })
        #expect(saved.machine.isExpired, "saved: a restart keeps it expired")
        let shown = try await h.supervisor.report(records: []).environments.first { $0.pr == 7 }
        #expect(shown?.expired == true && shown?.waitingForSlot == false, "/api/environments says it is expired")
        await h.supervisor.reconcileOnce()
        #expect(await h.machine(7)?.running == nil, "expired once, not again")
        #expect(await h.operations.count == 2)
    }

    @Test func aKeepLabelSparesIt() async throws {
        let h = try H(adding: H.expiring)
        try await Self.ready(h, labels: ["keep-preview"])
        h.clock.advance(by: 1000 * 3600)
        await h.supervisor.reconcileOnce()
        try #require(await h.settled(7, "still ready") { $0.phase == .ready(sha: H.sha(7)) && $0.running == nil && !$0.isExpired })
        #expect(await h.operations.count == 1)
    }

    @Test func aPushBringsItBackAndAnotherLabelDoesNot() async throws {
        let h = try H(adding: H.expiring)
        try await Self.expired(h)
        try await h.deliver("labeled", pr: 7, labels: ["bug"])
        try #require(await h.settled(7, "still expired") { $0.labels == ["bug"] })
        await h.supervisor.reconcileOnce()
        #expect(await h.machine(7)?.running == nil, "another label brings nothing back")
        #expect(await h.machine(7)?.isExpired == true)

        let shaB = String(repeating: "b", count: 40)
        try await h.deliver("synchronize", pr: 7, sha: shaB, labels: ["bug"], offset: 1)
        let apply = try #require(await h.waitForCall(7, .apply(sha: shaB)))
        await h.operations.complete(apply, .success)
        try #require(await h.settled(7, "back") { $0.phase == .ready(sha: shaB) && !$0.isExpired })
        h.clock.advance(by: 71 * 3600)
        await h.supervisor.reconcileOnce()
        #expect(await h.machine(7)?.phase == .ready(sha: shaB), "the push restarted the count")
    }

    @Test func theKeepLabelBringsItBack() async throws {
        let h = try H(adding: H.expiring)
        try await Self.expired(h)
        try await h.deliver("labeled", pr: 7, labels: ["keep-preview"])
        try #require(await eventually("the apply after the keep label") { await h.operations.count == 3 })
        #expect(await h.operations.call(2)?.operation == .apply(sha: H.sha(7)))
        await h.operations.complete(2, .success)
        try #require(await h.settled(7, "back") { $0.phase == .ready(sha: H.sha(7)) })
        h.clock.advance(by: 1000 * 3600)
        await h.supervisor.reconcileOnce()
        #expect(await h.machine(7)?.phase == .ready(sha: H.sha(7)), "kept while the label stays")
    }
}

/// Caps through the supervisor: 12 PRs on `max_environments: 3`.
@Suite struct SlotTests {
    typealias H = LifetimeHarness

    static func waiting(_ ahead: Int) -> String { "pending: Waiting for a slot (\(ahead) ahead)" }

    @Test func twelvePullRequestsOnThreeSlotsWaitInOrderAcrossARestart() async throws {
        let h = try H(adding: H.capped)
        for pr in 1 ... 12 {
            try await h.deliver("opened", pr: pr, offset: Double(pr))
            try #require(await h.settled(pr, "admitted or queued") { $0.running != nil || $0.isWaitingForSlot })
        }
        // Three provision, nine wait, each told how many are ahead.
        #expect(await h.operations.operations == (1 ... 3).map { .apply(sha: H.sha($0)) })
        for pr in 4 ... 12 { try #require(await h.lastStatus(pr, is: Self.waiting(pr - 4))) }
        let waiting = try await h.supervisor.report(records: []).environments.filter(\.waitingForSlot).map(\.pr)
        #expect(waiting == Array(4 ... 12), "/api/environments shows who waits")
        for pr in 1 ... 3 { await h.operations.complete(pr - 1, .success) }
        for pr in 1 ... 3 { try #require(await h.settled(pr, "ready") { $0.phase == .ready(sha: H.sha(pr)) }) }

        // Closing 1–3 frees their slots once their teardowns end (in reverse order here): 4, 5, 6
        // get them, in arrival order.
        for pr in 1 ... 3 { try await h.deliver("closed", pr: pr, offset: 100) }
        var destroys: [Int] = []
        for pr in 1 ... 3 { destroys.append(try #require(await h.waitForCall(pr, .destroy))) }
        for pr in 4 ... 12 {
            #expect(await h.machine(pr)?.isWaitingForSlot == true, "a closing environment holds its slot until its teardown ends")
        }
        for (index, destroy) in destroys.enumerated().reversed() {
            await h.operations.complete(destroy, .success)
            let admitted = 4 + (2 - index)
            let apply = try #require(await h.waitForCall(admitted, .apply(sha: H.sha(admitted))))
            #expect(apply == 6 + (2 - index))
            // The write queue may replace a waiting status not yet sent by a newer one (coalescing
            // is its job); seeing each position before the next admission keeps one per change.
            try #require(await h.lastStatus(12, is: Self.waiting(11 - admitted)))
        }
        for pr in 7 ... 12 { try #require(await h.lastStatus(pr, is: Self.waiting(pr - 7))) }
        for index in 6 ... 8 { await h.operations.complete(index, .success) }
        for pr in 4 ... 6 { try #require(await h.settled(pr, "ready") { $0.phase == .ready(sha: H.sha(pr)) }) }

        // Restart mid-queue: the order comes back from SQLite; nothing new starts.
        await h.supervisor.stop()
        let restarted = try h.restarted()
        try await restarted.start()
        for pr in 7 ... 12 { #expect(await h.machine(pr, in: restarted)?.isWaitingForSlot == true) }
        for pr in 4 ... 6 { #expect(await h.machine(pr, in: restarted)?.phase == .ready(sha: H.sha(pr))) }
        #expect(await restarted.isIdle)

        // A closed waiting PR leaves the queue: those behind it move up.
        try await h.deliver("closed", pr: 9, offset: 200, to: restarted)
        try #require(await h.settled(9, "out of the queue", in: restarted) { $0.phase == .destroyed && !$0.isWaitingForSlot && $0.running == nil })
        for pr in 10 ... 12 { try #require(await h.lastStatus(pr, is: Self.waiting(pr - 8))) }
        #expect(await h.operations.count == 9, "nothing to destroy for a PR that never got a slot")

        // The next freed slot goes to 7, the longest waiting, not to a later arrival.
        try await h.deliver("closed", pr: 4, offset: 200, to: restarted)
        let destroy = try #require(await h.waitForCall(4, .destroy))
        await h.operations.complete(destroy, .success)
        let apply = try #require(await h.waitForCall(7, .apply(sha: H.sha(7))))
        #expect(apply == 10)
        #expect(await h.operations.count == 11)
        try #require(await h.lastStatus(8, is: Self.waiting(0)))
        try #require(await h.lastStatus(12, is: Self.waiting(3)))

        // Statuses follow the position, one per change.
        let twelve = await h.environmentStatuses(12)
        #expect(twelve == [8, 7, 6, 5, 4, 3].map(Self.waiting), "\(twelve)")
    }
}
