import Foundation
import Orchestrator

/// An inbox whose `append` gives up after `limit`: the webhook answer waits on it, and GitHub stops
/// waiting after 10 seconds. A PostgreSQL pool does not fail a request while the database is down;
/// it keeps the request waiting for a connection (up to a minute, until its circuit breaker trips).
/// Given up, the append is cancelled and the intake answers 503, so GitHub marks the delivery
/// failed and it can be redelivered. If the cancelled append had in fact committed, the redelivery
/// is answered "duplicate": recorded once either way, never half.
struct DeadlineInbox: EventInbox {
    let inner: any EventInbox
    let limit: Duration

    /// The append took longer than `limit`.
    struct TimedOut: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "the state store did not record the delivery within \(limit) (is the database reachable?)" }
    }

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date)
        async throws -> InboxAppendResult {
        let (inner, limit) = (inner, limit)
        return try await withThrowingTaskGroup(of: InboxAppendResult?.self) { group in
            group.addTask {
                try await inner.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload,
                                       receivedAt: receivedAt)
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            // The first to finish decides; a cancellation of this task reaches both and passes through.
            guard let first = try await group.next(), let result = first else { throw TimedOut(limit: limit) }
            return result
        }
    }

    func pending(key: String) async throws -> [InboxEvent] { try await inner.pending(key: key) }
    func pendingHeaders(key: String) async throws -> [InboxEventHeader] { try await inner.pendingHeaders(key: key) }
    func payloads(key: String, sequences: [Int64]) async throws -> [Int64: Data] { try await inner.payloads(key: key, sequences: sequences) }
    func pendingKeys() async throws -> [String] { try await inner.pendingKeys() }
    func markProcessed(key: String, through sequence: Int64) async throws { try await inner.markProcessed(key: key, through: sequence) }
    func prune(processedBefore date: Date) async throws -> Int { try await inner.prune(processedBefore: date) }
}
