import Orchestrator
import StateStoreContract
import Testing

/// The reference backend: if the contract and `InMemoryStateStore` disagree, the contract is wrong.
@Suite struct InMemoryStateStoreContractTests {
    @Test(arguments: StateStoreContract.allCases)
    func contract(_ check: StateStoreContract) async throws {
        try await check.run(on: InMemoryStateStore())
    }

    @Test func runAllPassesOnFreshStores() async throws {
        try await StateStoreContract.runAll { InMemoryStateStore() }
    }
}
