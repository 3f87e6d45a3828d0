import Foundation
import Orchestrator
import Supervisor
import Testing

/// `/api/environments` and the dashboard read every worker through `workerRecords()`: a store that
/// cannot answer leaves this replica's own workers shown, but a cancelled request is not answered
/// with that partial list (the cancellation passes through, as everywhere else).
@Suite struct WorkerRecordsCancellationTests {
    @Test func aCancelledStoreReadPassesThrough() async throws {
        let supervisor = try Self.supervisor(failingWith: CancellationError())
        await #expect(throws: CancellationError.self) { try await supervisor.workerRecords() }
        await #expect(throws: CancellationError.self) { try await supervisor.report(records: []) }
    }

    @Test func anUnreadableStoreShowsThisReplicasWorkersOnly() async throws {
        let supervisor = try Self.supervisor(failingWith: StoreDown())
        #expect(try await supervisor.workerRecords().isEmpty)
        #expect(try await supervisor.report(records: []).environments.isEmpty)
    }

    struct StoreDown: Error {}

    static func supervisor(failingWith error: any Error) throws -> EnvironmentSupervisor {
        let inbox = InMemoryEventInbox()
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        return EnvironmentSupervisor(blueprints: [try SupervisorFixtures.preview()], inbox: inbox, store: InMemoryStateStore(),
                                     workers: UnreadableWorkerStore(error: error), operations: FakeOperations(), statuses: reporter)
    }
}

/// Saves nothing and answers every read with `error`.
struct UnreadableWorkerStore: WorkerStore {
    let error: any Error
    func saveWorker(_ record: WorkerRecord) async throws { throw error }
    func workers() async throws -> [WorkerRecord] { throw error }
    func workers(leaseKey: String) async throws -> [WorkerRecord] { throw error }
    func workers(repository: String) async throws -> [WorkerRecord] { throw error }
    func workerPhaseNames() async throws -> [EnvironmentKey: String] { throw error }
    func leaseKeysNeedingOwner() async throws -> Set<String> { throw error }
}
