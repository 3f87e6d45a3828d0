import Orchestrator
import StateStoreContract
import StateStorePostgres
import Testing

/// The shared contracts on PostgreSQL: every case on a store in a database of its own.
@Suite struct PostgresContractTests {
    @Test(arguments: StateStoreContract.allCases)
    func stateStore(_ check: StateStoreContract) async throws {
        try await PostgresTestDatabase.withState { state, _ in try await check.run(on: state.store) }
    }

    @Test(arguments: EventInboxContract.allCases)
    func eventInbox(_ check: EventInboxContract) async throws {
        try await PostgresTestDatabase.withState { state, _ in try await check.run(on: state.inbox) }
    }

    @Test(arguments: WorkerStoreContract.allCases)
    func workerStore(_ check: WorkerStoreContract) async throws {
        try await PostgresTestDatabase.withState { state, _ in try await check.run(on: state.store) }
    }
}
