import Orchestrator
import StateStoreContract
import StateStoreSQLite
import Testing

/// The shared contract, on a real file (WAL, synchronous=FULL) and on `:memory:`.
@Suite struct SQLiteContractTests {
    @Test(arguments: StateStoreContract.allCases)
    func contractOnFile(_ check: StateStoreContract) async throws {
        try await withTemporaryDirectory { directory in
            try await check.run(on: SQLiteStateStore(path: directory + "/state.sqlite"))
        }
    }

    @Test func contractInMemory() async throws {
        try await StateStoreContract.runAll { try SQLiteStateStore(path: ":memory:") }
    }
}
