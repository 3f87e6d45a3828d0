import Orchestrator
import StateStoreContract
import Testing

/// The reference inbox: if the contract and `InMemoryEventInbox` disagree, the contract is wrong.
@Suite struct InMemoryEventInboxContractTests {
    @Test(arguments: EventInboxContract.allCases)
    func contract(_ check: EventInboxContract) async throws {
        try await check.run(on: InMemoryEventInbox())
    }

    @Test func runAllPassesOnFreshInboxes() async throws {
        try await EventInboxContract.runAll { InMemoryEventInbox() }
    }
}

@Suite struct InMemoryWorkerStoreContractTests {
    @Test(arguments: WorkerStoreContract.allCases)
    func contract(_ check: WorkerStoreContract) async throws {
        try await check.run(on: InMemoryWorkerStore())
    }
}
