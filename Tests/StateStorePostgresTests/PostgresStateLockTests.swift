import Foundation
import Logging
import StateStorePostgres
import Testing

/// `PostgresStateLock` against the real server: serve replicas share it, `gc --apply` excludes them.
@Suite("PostgresStateLock")
struct PostgresStateLockTests {
    private let logger = Logger(label: "test-state-lock")

    @Test func serveReplicasShareItAndGcIsRefusedUntilAllRelease() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let first = try await PostgresStateLock.take(.serve, sessions: database.sessions, logger: logger)
        let second = try await PostgresStateLock.take(.serve, sessions: database.sessions, logger: logger)
        #expect(await first.isHeld())
        #expect(await second.isHeld())

        let refusal = try await refused(.gcApply, database)
        #expect(refusal.description.hasPrefix("prenv serve is running on this state (2 replicas)"))
        await first.release()
        #expect(try await refused(.gcApply, database).description.hasPrefix("prenv serve is running on this state (1 replica)"))
        await second.release()

        let sweep = try await PostgresStateLock.take(.gcApply, sessions: database.sessions, logger: logger)
        #expect(await sweep.isHeld())
        #expect(try await refused(.serve, database).description == "prenv gc --apply is using this state; wait for it to finish")
        #expect(try await refused(.gcApply, database).description == "prenv gc --apply is using this state; wait for it to finish")
        await sweep.release()
        let serve = try await PostgresStateLock.take(.serve, sessions: database.sessions, logger: logger)
        await serve.release()
    }

    @Test func aDroppedConnectionNoLongerHoldsTheLock() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let serve = try await PostgresStateLock.take(.serve, sessions: database.sessions, logger: logger)
        #expect(try await database.terminate(applicationName: "prenv serve") == 1)
        try await eventually("the dropped lock to be released") {
            await !serve.isHeld()
        }
        let sweep = try await PostgresStateLock.take(.gcApply, sessions: database.sessions, logger: logger)
        await sweep.release()
        await serve.release()
    }

    @Test func anUnreachableServerIsUnavailableNotHeld() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        var missing = database.connection
        missing.database = database.name + "_missing"
        do {
            _ = try await PostgresStateLock.take(.gcApply, sessions: PostgresLeaseSessions(configuration: missing), logger: logger)
            Issue.record("took a lock on a database that does not exist")
        } catch let failure as PostgresStateLock.Failure {
            guard case .unavailable(let error) = failure else {
                Issue.record("expected unavailable, got \(failure)")
                return
            }
            #expect(error.sqlState == "3D000")
            #expect(failure.description.hasPrefix("cannot lock the state: PostgreSQL could not connect to lock the state"))
        }
    }

    private func refused(_ holder: PostgresStateLock.Holder, _ database: PostgresLeaseTestDatabase) async throws -> PostgresStateLock.Failure {
        do {
            let lock = try await PostgresStateLock.take(holder, sessions: database.sessions, logger: logger)
            await lock.release()
            throw Unexpected(description: "\(holder.rawValue) took the lock")
        } catch let failure as PostgresStateLock.Failure {
            return failure
        }
    }

    struct Unexpected: Error, CustomStringConvertible { var description: String }
}
