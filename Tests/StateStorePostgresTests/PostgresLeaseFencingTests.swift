import Foundation
import Logging
import Orchestrator
import StateStoreContract
import StateStorePostgres
import Testing

/// Leases and fencing together, end to end on one database: the lease store hands a PR over, and
/// the state store then refuses the former holder's writes under its old token.
@Suite("PostgresLeaseFencing")
struct PostgresLeaseFencingTests {
    @Test func aTakeOverFencesOutTheFormerHoldersWrites() async throws {
        let database = try await PostgresLeaseTestDatabase.create()
        let state = try await PostgresState.open(database.location, logger: Logger(label: "test-fencing"))
        do {
            try await exercise(state)
            await state.close()
        } catch {
            await state.close()
            throw error
        }
    }

    private func exercise(_ state: PostgresState) async throws {
        let leases = state.leaseStore()
        let key = StateStoreFixtures.key("acme/web", pr: 5, blueprint: "webapp")
        // 3 s: long enough for A's first write on a loaded machine (the fence refuses an expired lease).
        let a = try #require(try await leases.acquire(key.leaseKey, holder: "replica-a", for: .seconds(3)))
        let written = StateStoreFixtures.record(key, state: .provisioning(sha: StateStoreFixtures.sha("1")), nodes: [:], seconds: 10)
        try await WriteFence.$current.withValue(a) { try await state.store.save(written) }
        #expect(try await state.store.load(key) == written)

        // A's lease runs out (it is paused, say); B takes the PR over with a new token.
        var taken: PullRequestLease?
        try await eventually("replica-b to take the expired lease", within: .seconds(15)) {
            taken = try await leases.acquire(key.leaseKey, holder: "replica-b", for: .seconds(30))
            return taken != nil
        }
        let b = try #require(taken)
        #expect(b.token > a.token)

        // A wakes up and writes under its old fence: refused, nothing changed.
        let stale = StateStoreFixtures.record(key, state: .ready(sha: StateStoreFixtures.sha("2")), nodes: [:], seconds: 20)
        await #expect(throws: FencedWriteRefused(key: key.leaseKey, token: a.token)) {
            try await WriteFence.$current.withValue(a) { try await state.store.save(stale) }
        }
        await #expect(throws: FencedWriteRefused(key: key.leaseKey, token: a.token)) {
            try await WriteFence.$current.withValue(a) { try await state.store.saveNode(key, StateStoreFixtures.node("site")) }
        }
        #expect(try await state.store.load(key) == written)
        #expect(try await leases.renew(a, for: .seconds(30)) == nil)

        // B's writes go through.
        let current = StateStoreFixtures.record(key, state: .ready(sha: StateStoreFixtures.sha("3")), nodes: [:], seconds: 30)
        try await WriteFence.$current.withValue(b) { try await state.store.save(current) }
        #expect(try await state.store.load(key) == current)

        // Released by B: B's own fence no longer holds either, until a new acquire (new token).
        try await leases.release(b)
        let again = try #require(try await leases.acquire(key.leaseKey, holder: "replica-b", for: .seconds(30)))
        #expect(again.token > b.token)
        await #expect(throws: FencedWriteRefused(key: key.leaseKey, token: b.token)) {
            try await WriteFence.$current.withValue(b) { try await state.store.save(stale) }
        }
        try await WriteFence.$current.withValue(again) { try await state.store.save(stale) }
        #expect(try await state.store.load(key) == stale)
    }
}
