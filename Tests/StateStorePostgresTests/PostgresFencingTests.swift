import Foundation
import Orchestrator
import PostgresNIO
import StateStoreContract
import StateStorePostgres
import Testing

/// Writes under `WriteFence.current` land only while the fence's lease is its key's current row in
/// `prenv_leases` (inserted here by SQL, as the lease store would).
@Suite struct PostgresFencingTests {
    /// Every fenced write, each against a store holding one environment of `acme/web#5`.
    enum Write: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case save, saveNode, delete, saveWorker, saveDeployment, savePRComment, markProcessed
        var testDescription: String { rawValue }

        func run(on state: PostgresState) async throws {
            let key = Fixture.key
            switch self {
            case .save:
                var record = Fixture.record
                record.envName = "changed"
                try await state.store.save(record)
            case .saveNode: try await state.store.saveNode(key, StateStoreFixtures.node("changed"))
            case .delete: try await state.store.delete(key)
            case .saveWorker: try await state.store.saveWorker(Fixture.worker(revision: 2, sha: "changed"))
            case .saveDeployment: try await state.store.saveDeployment(key, StoredDeployment(sha: "changed", id: 99))
            case .savePRComment: try await state.store.savePRComment(key, StoredComment(id: 99, author: "changed"))
            case .markProcessed: try await state.inbox.markProcessed(key: key.leaseKey, through: .max)
            }
        }
    }

    /// One environment, its worker, a deployment, a comment and a pending event; the lease of its PR
    /// held by `replica-a` under token 2.
    enum Fixture {
        static let key = EnvironmentKey(repository: "acme/web", pr: 5, blueprint: "webapp")
        static let record = StateStoreFixtures.record(key, nodes: [:])
        static let current = PullRequestLease(key: key.leaseKey, holder: "replica-a", token: 2, expiresAt: .distantFuture)

        static func worker(revision: Int64, sha: String) -> WorkerRecord {
            var worker = WorkerStoreContract.record(revision: revision, sha: sha)
            worker.key = key
            return worker
        }

        static func seed(_ state: PostgresState, _ location: PostgresLocation) async throws {
            try await state.store.save(record)
            try await state.store.saveWorker(worker(revision: 1, sha: "original"))
            try await state.store.saveDeployment(key, StoredDeployment(sha: "original", id: 1))
            try await state.store.savePRComment(key, StoredComment(id: 1, author: "original"))
            _ = try await state.inbox.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: key.leaseKey,
                                             payload: Data("{}".utf8), receivedAt: Date(timeIntervalSince1970: 1_700_000_000))
            try await PostgresTestDatabase.execute(
                """
                INSERT INTO prenv_leases (key, holder, token, expires_at)
                VALUES (\(current.key), \(current.holder), \(current.token), now() + interval '1 hour')
                """, on: location)
        }

        /// Everything the writes could change, to compare before and after a refused one.
        static func snapshot(_ state: PostgresState) async throws -> String {
            let record = try await state.store.load(key)
            let workers = try await state.store.workers()
            let deployment = try await state.store.latestDeployment(key)
            let comment = try await state.store.prComment(key)
            let pending = try await state.inbox.pending(key: key.leaseKey).map(\.sequence)
            return "\(String(describing: record))|\(workers)|\(String(describing: deployment))|\(String(describing: comment))|\(pending)"
        }
    }

    @Test(arguments: Write.allCases)
    func currentTokenWrites(_ write: Write) async throws {
        try await PostgresTestDatabase.withState { state, location in
            try await Fixture.seed(state, location)
            let before = try await Fixture.snapshot(state)
            try await WriteFence.$current.withValue(Fixture.current) { try await write.run(on: state) }
            #expect(try await Fixture.snapshot(state) != before)
        }
    }

    @Test(arguments: Write.allCases)
    func staleTokenIsRefusedAndWritesNothing(_ write: Write) async throws {
        try await expectRefused(write, under: PullRequestLease(key: Fixture.key.leaseKey, holder: "replica-a", token: 1, expiresAt: .distantFuture))
    }

    @Test(arguments: Write.allCases)
    func otherHolderIsRefusedAndWritesNothing(_ write: Write) async throws {
        try await expectRefused(write, under: PullRequestLease(key: Fixture.key.leaseKey, holder: "replica-b", token: 2, expiresAt: .distantFuture))
    }

    /// A fence for another PR than the one written is a programming error, refused all the same.
    @Test(arguments: Write.allCases)
    func fenceOfAnotherPullRequestIsRefused(_ write: Write) async throws {
        try await expectRefused(write, under: PullRequestLease(key: "acme/web#6", holder: "replica-a", token: 2, expiresAt: .distantFuture),
                                seedingLeaseFor: "acme/web#6")
    }

    /// The current token of a lease that has expired (nobody has taken it yet): the holder's own
    /// clock stops it earlier, so a write here comes from work that outlived its lease.
    @Test(arguments: Write.allCases)
    func expiredLeaseIsRefusedAndWritesNothing(_ write: Write) async throws {
        try await expectRefused(write, under: Fixture.current,
                                then: "UPDATE prenv_leases SET expires_at = now() - interval '1 second'")
    }

    /// Without a fence (`prenv up`/`down`/`gc`), writes are not checked: here with no lease row at all.
    @Test(arguments: Write.allCases)
    func noFenceWrites(_ write: Write) async throws {
        try await PostgresTestDatabase.withState { state, location in
            try await Fixture.seed(state, location)
            try await PostgresTestDatabase.execute("DELETE FROM prenv_leases", on: location)
            let before = try await Fixture.snapshot(state)
            try await write.run(on: state)
            #expect(try await Fixture.snapshot(state) != before)
        }
    }

    private func expectRefused(_ write: Write, under lease: PullRequestLease, seedingLeaseFor otherKey: String? = nil,
                               then statement: PostgresQuery? = nil) async throws {
        try await PostgresTestDatabase.withState { state, location in
            try await Fixture.seed(state, location)
            if let statement { try await PostgresTestDatabase.execute(statement, on: location) }
            if let otherKey {
                try await PostgresTestDatabase.execute(
                    "INSERT INTO prenv_leases (key, holder, token, expires_at) VALUES (\(otherKey), 'replica-a', 2, now() + interval '1 hour')",
                    on: location)
            }
            let before = try await Fixture.snapshot(state)
            let error = await #expect(throws: FencedWriteRefused.self) {
                try await WriteFence.$current.withValue(lease) { try await write.run(on: state) }
            }
            #expect(error == FencedWriteRefused(key: lease.key, token: lease.token))
            #expect(try await Fixture.snapshot(state) == before)
        }
    }
}
