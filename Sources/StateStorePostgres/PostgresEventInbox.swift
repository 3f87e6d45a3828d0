import Foundation
import Orchestrator
import PostgresNIO

/// The webhook inbox on PostgreSQL (`prenv_inbox`), shared by every replica: any replica records a
/// delivery, the holder of the PR's lease drains it. Made by `PostgresState.open`.
///
/// Ordering: a `bigserial` alone is drawn at insert and committed later, so a sequence drawn
/// earlier could become visible after a later one. `append` therefore takes a transaction-scoped
/// advisory lock on the event's key before drawing its sequence: within one key (one PR, all a
/// worker reads with `pending(key:)`), sequence order is commit order, so a worker never marks
/// past an event that is not yet visible. Across keys, sequences increase in the order they were
/// drawn, which is arrival order up to appends in flight at the same moment; nothing reads across
/// keys in order.
public final class PostgresEventInbox: EventInbox, Sendable {
    let pool: PostgresPool

    /// The channel `append` notifies with the event's key after recording it (`pg_notify`, sent on
    /// commit): what `PostgresWorkSignal` listens to.
    public static let workChannel = "prenv_work"

    /// The first `int4` of the per-key advisory locks of `append` ("inbx" in ASCII); the two-key
    /// form is a key space apart from the one-`bigint` locks of migrations and leadership.
    static let appendLockClass: Int32 = 0x696E_6278

    /// `NOTIFY` payloads are limited to 8000 bytes; a longer key (none GitHub makes) is recorded
    /// without a wake-up, and found by the next `unownedWork` poll.
    static let longestNotifiedKey = 7_999

    init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Insert unless either unique column (delivery id, content key) matches; a concurrent append of
    /// the same delivery waits for the first one's commit, then finds its row. Recorded appends
    /// notify `workChannel` in the same transaction, so a wake-up never precedes the row.
    public func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data,
                       receivedAt: Date) async throws -> InboxAppendResult
    {
        let deliveryBytes = Data(deliveryID.utf8)
        let contentBytes = Data(contentKey.utf8)
        return try await pool.transaction("append") { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.appendLockClass), hashtext(\(key)))", logger: pool.logger)
            let inserted = try await connection.query(
                """
                INSERT INTO prenv_inbox (delivery_id, content_key, event, key, payload, received_at)
                VALUES (\(deliveryBytes), \(contentBytes), \(event), \(key), \(payload), \(receivedAt))
                ON CONFLICT DO NOTHING
                RETURNING sequence
                """, logger: pool.logger)
            var recorded: Int64?
            for try await sequence in inserted.decode(Int64.self) { recorded = sequence }
            if let recorded {
                if key.utf8.count <= Self.longestNotifiedKey {
                    try await connection.query("SELECT pg_notify(\(Self.workChannel), \(key))", logger: pool.logger)
                }
                return .recorded(sequence: recorded)
            }
            // The first recording either unique column matched (the lowest, should they differ).
            let existing = try await connection.query(
                """
                SELECT sequence FROM prenv_inbox WHERE delivery_id = \(deliveryBytes) OR content_key = \(contentBytes)
                ORDER BY sequence LIMIT 1
                """, logger: pool.logger)
            var first: Int64?
            for try await sequence in existing.decode(Int64.self) { first = sequence }
            if let first { return .duplicate(sequence: first) }
            throw PostgresStateError(
                operation: "append", location: pool.location.description,
                reason: .other(detail: "the delivery was neither recorded nor found (pruned while appending?)"))
        }
    }

    public func pending(key: String) async throws -> [InboxEvent] {
        try await pool.read("pending") { connection in
            let rows = try await connection.query(
                """
                SELECT sequence, delivery_id, content_key, event, key, payload, received_at FROM prenv_inbox
                WHERE key = \(key) AND NOT processed ORDER BY sequence
                """, logger: pool.logger)
            var events: [InboxEvent] = []
            for try await (sequence, deliveryID, contentKey, event, key, payload, receivedAt)
                in rows.decode((Int64, Data, Data, String, String, Data, Date).self)
            {
                events.append(InboxEvent(
                    deliveryID: String(decoding: deliveryID, as: UTF8.self), contentKey: String(decoding: contentKey, as: UTF8.self),
                    event: event, key: key, payload: payload, receivedAt: receivedAt, sequence: sequence))
            }
            return events
        }
    }

    /// `octet_length` of a stored (even compressed) value is known without reading it out.
    public func pendingHeaders(key: String) async throws -> [InboxEventHeader] {
        try await pool.read("pendingHeaders") { connection in
            let rows = try await connection.query(
                """
                SELECT sequence, delivery_id, content_key, event, key, octet_length(payload), received_at FROM prenv_inbox
                WHERE key = \(key) AND NOT processed ORDER BY sequence
                """, logger: pool.logger)
            var headers: [InboxEventHeader] = []
            for try await (sequence, deliveryID, contentKey, event, key, payloadBytes, receivedAt)
                in rows.decode((Int64, Data, Data, String, String, Int32, Date).self)
            {
                headers.append(InboxEventHeader(
                    deliveryID: String(decoding: deliveryID, as: UTF8.self), contentKey: String(decoding: contentKey, as: UTF8.self),
                    event: event, key: key, payloadBytes: Int(payloadBytes), receivedAt: receivedAt, sequence: sequence))
            }
            return headers
        }
    }

    public func payloads(key: String, sequences: [Int64]) async throws -> [Int64: Data] {
        guard !sequences.isEmpty else { return [:] }
        return try await pool.read("payloads") { connection in
            let rows = try await connection.query(
                "SELECT sequence, payload FROM prenv_inbox WHERE key = \(key) AND NOT processed AND sequence = ANY(\(sequences))",
                logger: pool.logger)
            var payloads: [Int64: Data] = [:]
            for try await (sequence, payload) in rows.decode((Int64, Data).self) { payloads[sequence] = payload }
            return payloads
        }
    }

    /// Sorted in Swift, not by the database's collation, so every inbox agrees with the in-memory one.
    public func pendingKeys() async throws -> [String] {
        try await pool.read("pendingKeys") { connection in
            let rows = try await connection.query("SELECT DISTINCT key FROM prenv_inbox WHERE NOT processed", logger: pool.logger)
            var keys: [String] = []
            for try await key in rows.decode(String.self) { keys.append(key) }
            return keys.sorted()
        }
    }

    /// Fenced: only the holder of the PR's lease acknowledges its events.
    public func markProcessed(key: String, through sequence: Int64) async throws {
        try await pool.transaction("markProcessed", fencedFor: key) { connection in
            _ = try await connection.query(
                "UPDATE prenv_inbox SET processed = true WHERE key = \(key) AND NOT processed AND sequence <= \(sequence)",
                logger: pool.logger)
        }
    }

    public func prune(processedBefore date: Date) async throws -> Int {
        try await pool.transaction("prune") { connection in
            let rows = try await connection.query(
                "DELETE FROM prenv_inbox WHERE processed AND received_at < \(date) RETURNING 1", logger: pool.logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
    }
}
