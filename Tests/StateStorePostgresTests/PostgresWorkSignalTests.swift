import Foundation
import LogCapture
import Logging
import PostgresNIO
import StateStorePostgres
import Testing

/// `PostgresWorkSignal` against the real server: `NOTIFY prenv_work` reaches every listener, a
/// payload that is not a PR key is dropped, and a listener survives its connection being killed.
@Suite("PostgresWorkSignal")
struct PostgresWorkSignalTests {
    /// What one `signals()` stream delivered, consumed by a task of its own.
    private actor Heard {
        private(set) var keys: [String] = []
        func add(_ key: String) { keys.append(key) }
        func contains(_ key: String) -> Bool { keys.contains(key) }
    }

    private static func consume(_ stream: AsyncStream<String>) -> (Heard, Task<Void, Never>) {
        let heard = Heard()
        let task = Task {
            for await key in stream { await heard.add(key) }
        }
        return (heard, task)
    }

    /// Signals `key` until every one of `listeners` heard it: a listener's `LISTEN` is in place only
    /// some time after `signals()` returns, and what is notified before is not delivered to it.
    private static func signalUntilHeard(_ key: String, by signal: PostgresWorkSignal, _ listeners: [Heard]) async throws {
        try await eventually("every listener to hear \(key)", within: .seconds(15), every: .milliseconds(150)) {
            try await signal.signal(key)
            for listener in listeners where !(await listener.contains(key)) { return false }
            return true
        }
    }

    @Test func aNotifyFromOneConnectionReachesTwoListeners() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let logs = CapturedLogs()
            let first = PostgresWorkSignal(client: client, sessions: database.sessions, replica: "one", logger: logs.logger())
            let second = PostgresWorkSignal(client: client, sessions: database.sessions, replica: "two", logger: logs.logger())
            let (heardFirst, firstTask) = Self.consume(first.signals())
            let (heardSecond, secondTask) = Self.consume(second.signals())
            defer { firstTask.cancel(); secondTask.cancel() }
            try await Self.signalUntilHeard("ready/repo#1", by: first, [heardFirst, heardSecond])

            // One notify, sent by a connection that is neither listener's.
            try await database.execute("SELECT pg_notify('prenv_work', 'octo-org/web.app_2#42')")
            try await eventually("both listeners to hear octo-org/web.app_2#42") {
                let first = await heardFirst.contains("octo-org/web.app_2#42")
                let second = await heardSecond.contains("octo-org/web.app_2#42")
                return first && second
            }
        }
    }

    @Test func aHostilePayloadIsDropped() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let logs = CapturedLogs()
            let signal = PostgresWorkSignal(client: client, sessions: database.sessions, replica: "hostile", logger: logs.logger())
            let (heard, task) = Self.consume(signal.signals())
            defer { task.cancel() }
            try await Self.signalUntilHeard("ready/repo#1", by: signal, [heard])
            let hostile = [
                "'; DROP TABLE prenv_leases; --", "o/r#0", "o/r#1\n", "o/r#-1", "o/r#12345678901", "ünï/x#1", "o/../r#1",
                "/r#1", "o/#1", "o/r#", "o/r", String(repeating: "a", count: 5000) + "/r#1", "o/r#1 ", "o r/x#1", "o/r#1#2",
            ]
            for payload in hostile {
                try await database.execute("SELECT pg_notify('prenv_work', \(payload))")
            }
            // Notifications from one session arrive in order: once this one is heard, the others were handled.
            try await database.execute("SELECT pg_notify('prenv_work', 'after/repo#7')")
            try await eventually("the key sent after the hostile ones") { await heard.contains("after/repo#7") }
            #expect(await heard.keys.filter { $0 != "ready/repo#1" } == ["after/repo#7"])
            let ignored = logs.all.filter { $0.contains("ignored a work signal that is not a PR key") }
            #expect(ignored.count == hostile.count)
            // prenv's own lines never repeat an untrusted payload (postgres-nio's trace lines, off in
            // production, do).
            #expect(!logs.all.filter { !$0.contains("psql_") }.joined().contains("DROP TABLE"))
        }
    }

    @Test(arguments: [
        ("octocat/hello-world#1", true), ("a/b#9999999999", true), ("A-1/x_y.z#10", true), ("handle_acme/repo#3", true), ("o.x/r#1", false),
        ("a/b#0", false), ("a/b#01", false), ("a/b/c#1", false), ("a#1", false), ("a/b#1a", false),
        ("", false), ("a/b#12345678901", false), ("o/r\u{0}#1", false),
    ])
    func workKeyShape(_ text: String, valid: Bool) {
        #expect(PostgresWorkSignal.isWorkKey(text) == valid)
    }

    @Test func aListenerSurvivesItsConnectionBeingTerminated() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let logs = CapturedLogs()
            let replica = "survivor-\(UUID().uuidString.prefix(8))"
            let signal = PostgresWorkSignal(client: client, sessions: database.sessions, replica: replica, logger: logs.logger())
            let (heard, task) = Self.consume(signal.signals())
            defer { task.cancel() }
            try await Self.signalUntilHeard("before/repo#1", by: signal, [heard])

            #expect(try await database.terminate(applicationName: "prenv signal \(replica)") == 1)
            try await Self.signalUntilHeard("after/repo#2", by: signal, [heard])
            let warnings = logs.all.filter { $0.hasPrefix("warning work signals interrupted") }
            #expect(warnings.count == 1)
            #expect(logs.all.contains { $0.hasPrefix("info listening for work signals again") })
            #expect(try await database.sessions(named: "prenv signal \(replica)") == 1)
        }
    }

    @Test func theListeningConnectionClosesWhenTheConsumerStops() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let replica = "quitter-\(UUID().uuidString.prefix(8))"
            let signal = PostgresWorkSignal(client: client, sessions: database.sessions, replica: replica, logger: Logger(label: "test"))
            let (heard, task) = Self.consume(signal.signals())
            try await Self.signalUntilHeard("ready/repo#1", by: signal, [heard])
            #expect(try await database.sessions(named: "prenv signal \(replica)") == 1)
            task.cancel()
            try await eventually("the listening connection to close") {
                try await database.sessions(named: "prenv signal \(replica)") == 0
            }
        }
    }
}
