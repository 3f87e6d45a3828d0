import Foundation
import Logging
import Orchestrator
import PostgresNIO
import StateStorePostgres
import Testing

/// `PostgresLeaseStore` against the real server, each test in a database of its own.
@Suite("PostgresLeaseStore")
struct PostgresLeaseStoreTests {
    private let logger = Logger(label: "test-leases")

    @Test func acquireRenewAndReleaseHandOverWithHigherTokens() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            let first = try #require(try await leases.acquire("o/r#1", holder: "a", for: .seconds(30)))
            #expect(first.key == "o/r#1" && first.holder == "a")
            #expect(try await leases.acquire("o/r#1", holder: "b", for: .seconds(30)) == nil)

            // The holder's own acquire renews: same token, later expiry.
            let again = try #require(try await leases.acquire("o/r#1", holder: "a", for: .seconds(60)))
            #expect(again.token == first.token)
            #expect(again.expiresAt > first.expiresAt)
            let renewed = try #require(try await leases.renew(again, for: .seconds(90)))
            #expect(renewed.token == first.token)
            #expect(renewed.expiresAt > again.expiresAt)

            try await leases.release(renewed)
            #expect(try await leases.renew(renewed, for: .seconds(30)) == nil)
            let taken = try #require(try await leases.acquire("o/r#1", holder: "b", for: .seconds(30)))
            #expect(taken.token > first.token)
            // A release by the former holder is a no-op: b keeps it.
            try await leases.release(renewed)
            #expect(try await leases.acquire("o/r#1", holder: "a", for: .seconds(30)) == nil)
        }
    }

    @Test func expiryByTheDatabaseClock() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            // The expiry is the server's now() + 20 s: between the server's clock read just before
            // the acquire and just after it (however long the round trips take on a loaded machine).
            let before = try #require(try await database.values("SELECT now()", as: Date.self).first)
            let lease = try #require(try await leases.acquire("o/r#2", holder: "a", for: .seconds(20)))
            let after = try #require(try await database.values("SELECT now()", as: Date.self).first)
            #expect(lease.expiresAt >= before.addingTimeInterval(20 - 0.001) && lease.expiresAt <= after.addingTimeInterval(20 + 0.001),
                    "\(before) … \(after) + 20 s vs \(lease.expiresAt)")
            let stored: [Date] = try await database.values("SELECT expires_at FROM prenv_leases WHERE key = 'o/r#2'")
            #expect(stored.map { abs($0.timeIntervalSince(lease.expiresAt)) < 0.001 } == [true])
        }
    }

    @Test func takeOverAfterExpiryAndTheOldHoldersRenewFails() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            let old = try #require(try await leases.acquire("o/r#3", holder: "a", for: .seconds(3)))
            #expect(try await leases.acquire("o/r#3", holder: "b", for: .seconds(30)) == nil)
            let started = ContinuousClock.now
            var taken: PullRequestLease?
            try await eventually("b to take the expired lease", within: .seconds(15)) {
                taken = try await leases.acquire("o/r#3", holder: "b", for: .seconds(30))
                return taken != nil
            }
            #expect(ContinuousClock.now - started > .milliseconds(500))
            let new = try #require(taken)
            #expect(new.holder == "b" && new.token > old.token)
            #expect(try await leases.renew(old, for: .seconds(30)) == nil)
            #expect(try await leases.acquire("o/r#3", holder: "a", for: .seconds(30)) == nil)
            #expect(try await leases.renew(new, for: .seconds(30)) != nil)
        }
    }

    @Test func tokensStrictlyIncreaseAcrossEveryHandOver() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            var tokens: [Int64] = []
            // Released and re-taken by the same holder, then by another.
            var lease = try #require(try await leases.acquire("o/r#4", holder: "a", for: .seconds(30)))
            tokens.append(lease.token)
            try await leases.release(lease)
            lease = try #require(try await leases.acquire("o/r#4", holder: "a", for: .seconds(30)))
            tokens.append(lease.token)
            try await leases.release(lease)
            lease = try #require(try await leases.acquire("o/r#4", holder: "b", for: .seconds(30)))
            tokens.append(lease.token)
            // Expired and re-taken by its own holder: a new token (another replica was entitled meanwhile).
            try await leases.release(lease)
            lease = try #require(try await leases.acquire("o/r#4", holder: "b", for: .milliseconds(300)))
            tokens.append(lease.token)
            try await eventually("the short lease to expire", within: .seconds(5)) {
                try await database.values("SELECT expires_at <= now() FROM prenv_leases WHERE key = 'o/r#4'", as: Bool.self) == [true]
            }
            lease = try #require(try await leases.acquire("o/r#4", holder: "b", for: .seconds(30)))
            tokens.append(lease.token)
            #expect(tokens == tokens.sorted() && Set(tokens).count == tokens.count, "tokens \(tokens)")
            #expect(tokens.count == 5)
        }
    }

    @Test func twentyConcurrentAcquirersOneWins() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            let winners = try await withThrowingTaskGroup(of: PullRequestLease?.self) { group in
                for replica in 0..<20 {
                    group.addTask { try await leases.acquire("o/r#5", holder: "replica-\(replica)", for: .seconds(30)) }
                }
                var winners: [PullRequestLease] = []
                for try await lease in group { if let lease { winners.append(lease) } }
                return winners
            }
            #expect(winners.count == 1)
            let holders: [String] = try await database.values("SELECT holder FROM prenv_leases WHERE key = 'o/r#5'")
            #expect(holders == winners.map(\.holder))
        }
    }

    @Test func unownedWorkListsPendingAndOrphanedKeysNoLiveLeaseCovers() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            #expect(try await leases.unownedWork() == [])
            try await database.addEvent("o/pending#1")
            try await database.addEvent("o/pending#1")
            try await database.addEvent("o/done#2", processed: true)
            try await database.addEvent("o/held#3")
            try await database.addWorker("o/orphan#4", needsOwner: true)
            try await database.addWorker("o/orphan#4", blueprint: "api", needsOwner: true)
            try await database.addWorker("o/idle#5", needsOwner: false)
            try await database.addWorker("o/heldworker#6", needsOwner: true)
            try await database.addEvent("o/lapsed#7")
            try await database.addEvent("a/first#8")
            _ = try #require(try await leases.acquire("o/held#3", holder: "a", for: .seconds(30)))
            _ = try #require(try await leases.acquire("o/heldworker#6", holder: "b", for: .seconds(30)))
            let lapsed = try #require(try await leases.acquire("o/lapsed#7", holder: "c", for: .seconds(30)))
            try await leases.release(lapsed)

            #expect(try await leases.unownedWork() == ["a/first#8", "o/lapsed#7", "o/orphan#4", "o/pending#1"])
        }
    }

    @Test func unownedWorkIsBounded() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            for pr in 1...150 { try await database.addEvent("o/r#\(pr)") }
            let work = try await PostgresLeaseStore(client: client, logger: logger).unownedWork()
            #expect(work.count == PostgresLeaseStore.workLimit)
            #expect(work == work.sorted() && Set(work).count == work.count)
        }
    }

    /// While one poll's statement holds its rows, a concurrent poll skips them instead of listing the
    /// same keys (here the first poll is played by a transaction that locks them the same way).
    @Test func aConcurrentPollSkipsTheKeysAnotherPollHolds() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        try await database.withClient { client in
            let leases = PostgresLeaseStore(client: client, logger: logger)
            try await database.addEvent("o/taken#1")
            try await database.addEvent("o/free#2")
            try await database.addWorker("o/takenworker#3", needsOwner: true)
            try await database.withConnection { other in
                let logger = Logger(label: "test-other-poll")
                try await other.query("BEGIN", logger: logger)
                try await other.query("SELECT key FROM prenv_inbox WHERE key = 'o/taken#1' FOR UPDATE", logger: logger)
                try await other.query("SELECT lease_key FROM prenv_workers WHERE lease_key = 'o/takenworker#3' FOR UPDATE", logger: logger)
                #expect(try await leases.unownedWork() == ["o/free#2"])
                try await other.query("COMMIT", logger: logger)
            }
            #expect(try await leases.unownedWork() == ["o/free#2", "o/taken#1", "o/takenworker#3"])
        }
    }
}
