import Logging
import Orchestrator
import PostgresNIO
import StateStoreContract
@testable import StateStorePostgres
import Testing

/// The gauge's phase names come from PostgreSQL's JSON operators (the contract suite checks the
/// answers): a stored phase that is not an object names the environment in the error, through the
/// protocols, so the witness is the store's own query and not the decoding default.
@Suite struct PostgresPhaseNamesTests {
    @Test func aPhaseThatIsNotAnObjectNamesTheEnvironment() async throws {
        try await PostgresTestDatabase.withState { state, _ in
            let store: any StateStore = state.store
            let workers: any WorkerStore = state.store
            try await store.save(StateStoreFixtures.record())
            try await workers.saveWorker(WorkerStoreContract.record(revision: 1))
            for statement in [
                "UPDATE prenv_environments SET phase_json = '\"ready\"'",
                "UPDATE prenv_workers SET record_json = jsonb_set(record_json::jsonb, '{machine,phase}', '\"ready\"')::text",
            ] {
                try await state.client.query(PostgresQuery(unsafeSQL: statement), logger: Logger(label: "test"))
            }
            let error = await #expect(throws: PostgresStateError.self) { try await store.phaseNames() }
            #expect(error?.description.contains("phaseNames could not read the environment phase of acme/web#5/webapp") == true,
                    "\(String(describing: error))")
            let workerError = await #expect(throws: PostgresStateError.self) { try await workers.workerPhaseNames() }
            #expect(workerError?.description.contains("workerPhaseNames could not read the worker record's phase of acme/web#5/webapp") == true,
                    "\(String(describing: workerError))")
        }
    }

    /// The lone replica's question is answered from `needs_owner`, not from the records: flipping
    /// the column (and only it) changes the answer.
    @Test func leaseKeysNeedingOwnerReadTheColumn() async throws {
        try await PostgresTestDatabase.withState { state, _ in
            let workers: any WorkerStore = state.store
            try await workers.saveWorker(WorkerStoreContract.record(revision: 1, pr: 5))
            try await workers.saveWorker(WorkerStoreContract.record(revision: 1, pr: 6))
            #expect(try await workers.leaseKeysNeedingOwner() == ["acme/web#5", "acme/web#6"])
            try await state.client.query("UPDATE prenv_workers SET needs_owner = false WHERE pr = 6", logger: Logger(label: "test"))
            #expect(try await workers.leaseKeysNeedingOwner() == ["acme/web#5"])
        }
    }
}
