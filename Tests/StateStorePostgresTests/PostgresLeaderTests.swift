import Foundation
import LogCapture
import Logging
import StateStorePostgres
import Testing

/// `PostgresLeader` against the real server: one leader among candidates, a dead leader's
/// connection hands leadership over, and resigning hands it over at once.
@Suite("PostgresLeader")
struct PostgresLeaderTests {
    private static func replicaID(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8))" }

    @Test func oneOfTwoCandidatesLeads() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let logs = CapturedLogs()
        let a = PostgresLeader(sessions: database.sessions, replica: Self.replicaID("a"), logger: logs.logger())
        let b = PostgresLeader(sessions: database.sessions, replica: Self.replicaID("b"), logger: logs.logger())
        async let askA = a.isLeader()
        async let askB = b.isLeader()
        let (first, second) = await (askA, askB)
        #expect(first != second, "exactly one leads: a \(first), b \(second)")
        // And it stays that way.
        #expect(await a.isLeader() == first)
        #expect(await b.isLeader() == second)
        #expect(logs.all.filter { $0.hasPrefix("info became leader") }.count == 1)
        await a.resign()
        await b.resign()
    }

    @Test func killingTheLeadersConnectionHandsLeadershipOver() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let logs = CapturedLogs()
        let (idA, idB) = (Self.replicaID("a"), Self.replicaID("b"))
        let a = PostgresLeader(sessions: database.sessions, replica: idA, logger: logs.logger())
        let b = PostgresLeader(sessions: database.sessions, replica: idB, logger: logs.logger())
        #expect(await a.isLeader())
        #expect(await !b.isLeader())

        #expect(try await database.terminate(applicationName: "prenv leader \(idA)") == 1)
        // The server releases the lock when the terminated backend has exited, just after.
        try await eventually("b to lead after a's connection died", within: .seconds(10)) { await b.isLeader() }
        #expect(await !a.isLeader())
        #expect(logs.all.contains { $0.hasPrefix("info lost leadership") && $0.contains(idA) })
        #expect(await b.isLeader())
        await a.resign()
        await b.resign()
    }

    @Test func resigningHandsOverAtOnce() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let (idA, idB) = (Self.replicaID("a"), Self.replicaID("b"))
        let a = PostgresLeader(sessions: database.sessions, replica: idA, logger: Logger(label: "test"))
        let b = PostgresLeader(sessions: database.sessions, replica: idB, logger: Logger(label: "test"))
        #expect(await a.isLeader())
        #expect(await !b.isLeader())
        await a.resign()
        #expect(await b.isLeader())
        #expect(await !a.isLeader())
        #expect(try await database.sessions(named: "prenv leader \(idA)") == 0)
        await b.resign()
        #expect(try await database.sessions(named: "prenv leader \(idB)") == 0)
    }

    @Test func anUnreachableDatabaseMeansNotLeadingAndOneWarning() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        var unreachable = database.connection
        unreachable.database = database.name + "_missing"
        let logs = CapturedLogs()
        let leader = PostgresLeader(
            sessions: PostgresLeaseSessions(configuration: unreachable), replica: Self.replicaID("lost"), logger: logs.logger())
        #expect(await !leader.isLeader())
        #expect(await !leader.isLeader())
        let warnings = logs.all.filter { $0.hasPrefix("warning cannot campaign for leadership") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("3D000") == true, "names the SQLSTATE of the missing database: \(warnings)")
    }
}
