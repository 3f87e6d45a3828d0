import Foundation
import Orchestrator
@testable import PrenvApp
import Synchronization
import Testing

/// While PostgreSQL is down its pool keeps an append waiting for a connection; the intake's inbox
/// (`DeadlineInbox`) gives up in time for a 503 and cancels the append.
@Suite struct PostgresOutageInboxTests {
    /// An inbox whose append waits until cancelled (a pool with no connection to give), counting
    /// the cancellations it saw.
    final class StuckInbox: EventInbox {
        let cancelled = Mutex(0)
        let inner = InMemoryEventInbox()
        let stuck: Bool

        init(stuck: Bool) { self.stuck = stuck }

        func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date)
            async throws -> InboxAppendResult {
            if stuck {
                do {
                    try await Task.sleep(for: .seconds(600))
                } catch {
                    cancelled.withLock { $0 += 1 }
                    throw error
                }
            }
            return await inner.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload,
                                          receivedAt: receivedAt)
        }

        func pending(key: String) async throws -> [InboxEvent] { await inner.pending(key: key) }
        func pendingKeys() async throws -> [String] { await inner.pendingKeys() }
        func markProcessed(key: String, through sequence: Int64) async throws { await inner.markProcessed(key: key, through: sequence) }
        func prune(processedBefore date: Date) async throws -> Int { await inner.prune(processedBefore: date) }
    }

    static func append(_ inbox: any EventInbox, _ id: String = "d1") async throws -> InboxAppendResult {
        try await inbox.append(deliveryID: id, contentKey: "c-\(id)", event: "pull_request", key: "acme/webapp#1", payload: Data("{}".utf8),
                               receivedAt: Date())
    }

    @Test func aStuckAppendGivesUpAtTheLimitAndIsCancelled() async throws {
        let stuck = StuckInbox(stuck: true)
        let inbox = DeadlineInbox(inner: stuck, limit: .milliseconds(200))
        let started = ContinuousClock.now
        let error = await #expect(throws: DeadlineInbox.TimedOut.self) { try await Self.append(inbox) }
        let took = ContinuousClock.now - started
        // The inner append would wait 600 s: well under that proves the limit (a loaded 2-core CI machine schedules late).
        #expect(took >= .milliseconds(200) && took < .seconds(60), "\(took)")
        #expect(stuck.cancelled.withLock { $0 } == 1)
        #expect(error?.description == "the state store did not record the delivery within 0.2 seconds (is the database reachable?)")
        #expect(try await stuck.pendingKeys().isEmpty)
    }

    @Test func aPromptAppendIsAnsweredAsTheInboxAnswers() async throws {
        let inbox = DeadlineInbox(inner: StuckInbox(stuck: false), limit: .seconds(5))
        guard case .recorded = try await Self.append(inbox) else { Issue.record("not recorded"); return }
        guard case .duplicate = try await Self.append(inbox) else { Issue.record("not a duplicate"); return }
        #expect(try await inbox.pendingKeys() == ["acme/webapp#1"])
    }

    @Test func cancellingTheRequestPassesCancellationThrough() async throws {
        let stuck = StuckInbox(stuck: true)
        let inbox = DeadlineInbox(inner: stuck, limit: .seconds(60))
        let task = Task { try await Self.append(inbox) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(stuck.cancelled.withLock { $0 } == 1)
    }
}
