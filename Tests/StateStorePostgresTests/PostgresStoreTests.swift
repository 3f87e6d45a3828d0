import Foundation
import Orchestrator
import PostgresNIO
import StateStoreContract
import StateStorePostgres
import Synchronization
import Testing

/// What the contracts cannot say: columns other replicas query, hostile keys, and a connection that
/// dies inside a transaction.
@Suite struct PostgresStoreTests {
    /// `needs_owner` is the machine's `needsOwner`, rewritten on every save (what `unownedWork` reads).
    @Test func needsOwnerFollowsTheMachine() async throws {
        try await PostgresTestDatabase.withState { state, location in
            var open = WorkerStoreContract.record(revision: 1)
            _ = open.machine.handle(.opened(PRSnapshot(repository: "acme/web", headSHA: "abc", sequence: 10), .provision))
            try #require(open.machine.needsOwner)
            try await state.store.saveWorker(open)
            let query: PostgresQuery = "SELECT needs_owner FROM prenv_workers WHERE lease_key = 'acme/web#5'"
            #expect(try await PostgresTestDatabase.value(query, as: Bool.self, on: location) == true)

            var closed = WorkerStoreContract.record(revision: 2)
            _ = closed.machine.handle(.closed(sequence: 20))
            try #require(closed.machine.isClosed && !closed.machine.hasResources && !closed.machine.needsOwner)
            try await state.store.saveWorker(closed)
            #expect(try await PostgresTestDatabase.value(query, as: Bool.self, on: location) == false)
        }
    }

    @Test func workersOfOneLeaseKey() async throws {
        try await PostgresTestDatabase.withState { state, _ in
            let keys = [
                EnvironmentKey(repository: "acme/web", pr: 5, blueprint: "webapp"),
                EnvironmentKey(repository: "acme/web", pr: 5, blueprint: "api"),
                EnvironmentKey(repository: "acme/web", pr: 50, blueprint: "webapp"),
                EnvironmentKey(repository: "acme/web2", pr: 5, blueprint: "webapp"),
            ]
            for key in keys {
                var record = WorkerStoreContract.record(revision: 1)
                record.key = key
                try await state.store.saveWorker(record)
            }
            #expect(try await state.store.workers(leaseKey: "acme/web#5").map(\.key) == [keys[1], keys[0]])
            #expect(try await state.store.workers(leaseKey: "acme/web#").isEmpty)
            #expect(try await state.store.workers().count == 4)
        }
    }

    /// Keys are bound, never spliced: SQL in them is data, and unicode comes back as it went in.
    @Test func hostileInboxKeysRoundTrip() async throws {
        try await PostgresTestDatabase.withState { state, location in
            let keys = ["'; DROP TABLE prenv_inbox; --", "acme/wéb#5 日本 🚀", "k'\"\\%_", "$1", "  "]
            let body = Data([0, 0xFF, 0xC3, 0x28, 0]) + Data("'); DELETE FROM prenv_inbox; --".utf8)
            for (index, key) in keys.enumerated() {
                _ = try await state.inbox.append(deliveryID: "\(key)-\(index)", contentKey: "\u{0}\(key)", event: key, key: key,
                                                 payload: body, receivedAt: Date(timeIntervalSince1970: 1_700_000_000))
            }
            #expect(try await state.inbox.pendingKeys() == keys.sorted())
            for (index, key) in keys.enumerated() {
                let pending = try await state.inbox.pending(key: key)
                #expect(pending.map(\.deliveryID) == ["\(key)-\(index)"])
                #expect(pending.map(\.contentKey) == ["\u{0}\(key)"])
                #expect(pending.map(\.event) == [key])
                #expect(pending.map(\.payload) == [body])
            }
            try await state.inbox.markProcessed(key: keys[0], through: .max)
            #expect(try await state.inbox.pendingKeys() == Array(keys.dropFirst()).sorted())
            #expect(try await PostgresTestDatabase.value("SELECT count(*) FROM prenv_inbox", as: Int.self, on: location) == keys.count)
        }
    }

    /// A recorded append wakes listeners on `prenv_work` with its key; a duplicate does not.
    @Test func recordedAppendNotifiesItsKey() async throws {
        try await PostgresTestDatabase.withState { state, location in
            try await PostgresTestDatabase.withConnection(to: location) { listener in
                let keys = try await listener.listen(on: PostgresEventInbox.workChannel) { notifications in
                    let date = Date(timeIntervalSince1970: 1_700_000_000)
                    _ = try await state.inbox.append(deliveryID: "d1", contentKey: "c1", event: "e", key: "acme/web#5", payload: Data(), receivedAt: date)
                    _ = try await state.inbox.append(deliveryID: "d1", contentKey: "c2", event: "e", key: "acme/dup#1", payload: Data(), receivedAt: date)
                    _ = try await state.inbox.append(deliveryID: "d2", contentKey: "c3", event: "e", key: "acme/api#7", payload: Data(), receivedAt: date)
                    return try await Self.within(.seconds(10)) {
                        var keys: [String] = []
                        for try await notification in notifications {
                            keys.append(notification.payload)
                            if keys.count == 2 { break }
                        }
                        return keys
                    }
                }
                #expect(keys == ["acme/web#5", "acme/api#7"])
            }
        }
    }

    /// The backend is killed while `save` waits inside its transaction (after upserting the
    /// environment row): the call fails saying the connection was lost, nothing of it is stored, and
    /// the next call works on a fresh connection.
    @Test func connectionKilledMidTransactionWritesNothing() async throws {
        try await PostgresTestDatabase.withState { state, location in
            let original = StateStoreFixtures.record()
            try await state.store.save(original)
            var changed = original
            changed.envName = "half-written"
            changed.nodes = [:]
            try await PostgresTestDatabase.withConnection(to: location) { admin in
                try await admin.query("BEGIN", logger: PostgresTestDatabase.quietLogger)
                _ = try await admin.query("SELECT 1 FROM prenv_nodes FOR UPDATE", logger: PostgresTestDatabase.quietLogger).collect()
                let saving = Task { [changed] in try await state.store.save(changed) }
                let pid = try await Self.blockedBackend(admin, database: location.database)
                _ = try await admin.query("SELECT pg_terminate_backend(\(pid))", logger: PostgresTestDatabase.quietLogger).collect()
                let error = await #expect(throws: PostgresStateError.self) { try await Self.value(of: saving, within: .seconds(30)) }
                #expect(error?.description.contains("was lost during save") == true)
                try await admin.query("ROLLBACK", logger: PostgresTestDatabase.quietLogger)
            }
            #expect(try await state.store.load(original.key) == original)
            changed.envName = "after the reconnect"
            try await state.store.save(changed)
            #expect(try await state.store.load(original.key) == changed)
        }
    }

    /// The pid of the backend in `database` waiting for a lock; fails after ten seconds without one.
    static func blockedBackend(_ admin: PostgresConnection, database: String) async throws -> Int32 {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let rows = try await admin.query(
                "SELECT pid FROM pg_stat_activity WHERE datname = \(database) AND wait_event_type = 'Lock'",
                logger: PostgresTestDatabase.quietLogger
            ).collect()
            if let pid = try rows.first?.decode(Int32.self) { return pid }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: "a backend blocked on the locked node rows")
    }

    /// `body`'s result, or `TimedOut` after `limit`.
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw TimedOut(what: "a result within \(limit)")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TimedOut(what: "a result") }
            return first
        }
    }

    /// `task`'s value, or `TimedOut` after `limit` even if the task never ends (it is then left
    /// behind): a hang fails the test instead of stalling the run.
    static func value<T: Sendable>(of task: Task<T, any Error>, within limit: Duration) async throws -> T {
        let answered = Once()
        return try await withCheckedThrowingContinuation { continuation in
            @Sendable func answer(_ result: Result<T, any Error>) {
                guard answered.first() else { return }
                continuation.resume(with: result)
            }
            Task { answer(await task.result) }
            Task {
                try? await Task.sleep(for: limit)
                answer(.failure(TimedOut(what: "the task within \(limit)")))
            }
        }
    }

    /// True for the first caller only.
    final class Once: Sendable {
        private let done = Mutex(false)
        func first() -> Bool { done.withLock { done in defer { done = true }; return !done } }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}
