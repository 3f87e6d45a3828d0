internal import CSQLite
import Foundation
import Orchestrator

/// The webhook inbox in the state database's file (tables `webhook_deliveries`, schema versions 2
/// and 4, and `webhook_progress`, version 7).
///
/// A separate actor with its own connection to the same path, not the `SQLiteStateStore` actor, but
/// on the same serial executor (`DispatchQueueExecutor.forDatabase`): the store's and the inbox's
/// transactions queue in this process in arrival order, each a few milliseconds, instead of
/// meeting at SQLite's file lock, whose busy handler sleeps. Between processes (two `prenv`s on one
/// file) the file lock and the busy timeout still decide. Both run the same migrations, so either
/// may be opened first.
///
/// Durability: WAL with `synchronous=FULL`, as the store: `append` returns only after its commit
/// is fsynced, so a 202 is never sent for a delivery a power loss could take back. Appends and
/// `markProcessed` are group-committed: those that arrive while a commit is being written wait for
/// the next one and share its fsync, so a burst (deliveries arriving while workers finish others)
/// costs a few fsyncs rather than one or two per delivery (BENCHMARKS.md).
public actor SQLiteEventInbox: EventInbox {
    /// The database file as given to `init(path:)`.
    public nonisolated let path: String
    let connection: SQLiteConnection
    /// SQLite blocks (fsync, busy waits): this actor runs on its database's queue, off the cooperative pool.
    private nonisolated let executor: DispatchQueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    /// Writes waiting for the next group commit, in arrival order.
    private var waiting: [PendingWrite] = []
    private var commitScheduled = false
    /// Group commits written so far (tests check that a burst shares them).
    private(set) var groupCommits = 0

    private enum PendingWrite {
        case append(PendingAppend, CheckedContinuation<InboxAppendResult, any Error>)
        case markProcessed(key: String, through: Int64, CheckedContinuation<Void, any Error>)

        func fail(_ error: any Error) {
            switch self {
            case .append(_, let continuation): continuation.resume(throwing: error)
            case .markProcessed(_, _, let continuation): continuation.resume(throwing: error)
            }
        }
    }

    private struct PendingAppend {
        var deliveryID: String
        var contentKey: String
        var event: String
        var key: String
        var payload: Data
        var receivedAt: Date
    }

    /// Opens (creating it and its parent directories if needed) and migrates the database at `path`.
    ///
    /// - Throws: `SQLiteError` naming the path, or `SQLiteSchemaError` for a newer prenv's database.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        let connection = try SQLiteConnection.openMigrated(path: path, busyTimeout: busyTimeout)
        self.path = path
        self.connection = connection
        executor = DispatchQueueExecutor.forDatabase(path)
    }

    /// Race-free dedupe: the UNIQUE constraints (delivery id and content key) decide, inside one
    /// write transaction, so two connections (or processes) appending one delivery, or one content
    /// under two ids, record it once. Returns once the group commit holding this append is durable;
    /// if that commit fails, every append in it fails.
    public func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data,
                       receivedAt: Date) async throws -> InboxAppendResult
    {
        try await withCheckedThrowingContinuation { continuation in
            let append = PendingAppend(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload,
                                       receivedAt: receivedAt)
            enqueue(.append(append, continuation))
        }
    }

    /// Joins the next group commit (scheduling it if none is), after the writes already queued on this actor.
    private func enqueue(_ write: PendingWrite) {
        waiting.append(write)
        if !commitScheduled {
            commitScheduled = true
            Task { self.commitWaiting() }
        }
    }

    /// Writes everything waiting in one transaction (one fsync) and answers each.
    private func commitWaiting() {
        let batch = waiting
        waiting = []
        commitScheduled = false
        guard !batch.isEmpty else { return }
        groupCommits += 1
        do {
            let results = try connection.transaction("group commit", write: true) {
                try batch.map { write -> InboxAppendResult? in
                    switch write {
                    case .append(let append, _): return try insert(append)
                    case .markProcessed(let key, let sequence, _):
                        try markProcessedRows(key: key, through: sequence)
                        return nil
                    }
                }
            }
            for (write, result) in zip(batch, results) {
                switch write {
                case .append(_, let continuation): if let result { continuation.resume(returning: result) }
                case .markProcessed(_, _, let continuation): continuation.resume()
                }
            }
        } catch {
            for write in batch { write.fail(error) }
        }
    }

    private func insert(_ item: PendingAppend) throws -> InboxAppendResult {
        try connection.run(
            """
            INSERT INTO webhook_deliveries (delivery_id, content_key, event, key, payload, received_at)
            VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """,
            [.text(item.deliveryID), .text(item.contentKey), .text(item.event), .text(item.key),
             .blob(item.payload), .real(item.receivedAt.timeIntervalSince1970)],
            operation: "append")
        // `sequence` is the rowid (INTEGER PRIMARY KEY): a recorded delivery needs no second query.
        if connection.changes > 0 { return .recorded(sequence: connection.lastInsertRowID) }
        // The first recording that either constraint matched (the lowest, should they differ).
        let sequence = try connection.query(
            "SELECT sequence FROM webhook_deliveries WHERE delivery_id = ? OR content_key = ? ORDER BY sequence LIMIT 1",
            [.text(item.deliveryID), .text(item.contentKey)], operation: "append") { $0.integer(0) }.first
        guard let sequence else { throw connection.lastError("append") }
        return .duplicate(sequence: sequence)
    }

    public func pending(key: String) throws -> [InboxEvent] {
        try connection.query(
            """
            SELECT sequence, delivery_id, event, key, payload, received_at, content_key FROM webhook_deliveries
            WHERE key = ? AND sequence > COALESCE((SELECT through FROM webhook_progress WHERE key = ?), 0) ORDER BY sequence
            """,
            [.text(key), .text(key)], operation: "pending"
        ) { row in
            InboxEvent(
                deliveryID: row.text(1), contentKey: row.text(6), event: row.text(2), key: row.text(3),
                payload: Data(row.blob(4)), receivedAt: Date(timeIntervalSince1970: row.real(5)), sequence: row.integer(0))
        }
    }

    /// `length(payload)` is read from the row's header: the body's pages are not touched.
    public func pendingHeaders(key: String) throws -> [InboxEventHeader] {
        try connection.query(
            """
            SELECT sequence, delivery_id, event, key, length(payload), received_at, content_key FROM webhook_deliveries
            WHERE key = ? AND sequence > COALESCE((SELECT through FROM webhook_progress WHERE key = ?), 0) ORDER BY sequence
            """,
            [.text(key), .text(key)], operation: "pendingHeaders"
        ) { row in
            InboxEventHeader(
                deliveryID: row.text(1), contentKey: row.text(6), event: row.text(2), key: row.text(3),
                payloadBytes: Int(row.integer(4)), receivedAt: Date(timeIntervalSince1970: row.real(5)), sequence: row.integer(0))
        }
    }

    public func payloads(key: String, sequences: [Int64]) throws -> [Int64: Data] {
        var payloads: [Int64: Data] = [:]
        for sequence in sequences {
            let found = try connection.query(
                """
                SELECT payload FROM webhook_deliveries WHERE sequence = ? AND key = ?
                AND sequence > COALESCE((SELECT through FROM webhook_progress WHERE key = ?), 0)
                """,
                [.integer(sequence), .text(key), .text(key)], operation: "payloads") { Data($0.blob(0)) }
            payloads[sequence] = found.first
        }
        return payloads
    }

    /// Sorted in Swift, not by SQLite's byte order, so every inbox agrees with the in-memory one.
    public func pendingKeys() throws -> [String] {
        try connection.query(
            """
            SELECT DISTINCT d.key FROM webhook_deliveries d LEFT JOIN webhook_progress p ON p.key = d.key
            WHERE d.sequence > COALESCE(p.through, 0)
            """, operation: "pendingKeys"
        ) { $0.text(0) }.sorted()
    }

    /// Group-committed with appends (see the type).
    public func markProcessed(key: String, through sequence: Int64) async throws {
        try await withCheckedThrowingContinuation { continuation in
            enqueue(.markProcessed(key: key, through: sequence, continuation))
        }
    }

    /// Moves the key's progress forward (never back: a late, lower mark changes nothing), and
    /// never past the key's newest delivery: a mark covers deliveries recorded so far, as the flag
    /// it replaced did, not ones appended after it (whose sequences are larger).
    private func markProcessedRows(key: String, through sequence: Int64) throws {
        try connection.run(
            """
            INSERT INTO webhook_progress (key, through)
            SELECT ?, MIN(?, MAX(sequence)) FROM webhook_deliveries WHERE key = ? HAVING COUNT(*) > 0
            ON CONFLICT (key) DO UPDATE SET through = MAX(through, excluded.through)
            """,
            [.text(key), .integer(sequence), .text(key)], operation: "markProcessed")
    }

    public func prune(processedBefore date: Date) throws -> Int {
        try connection.transaction("prune", write: true) {
            try connection.run(
                """
                DELETE FROM webhook_deliveries WHERE received_at < ?
                AND sequence <= COALESCE((SELECT through FROM webhook_progress p WHERE p.key = webhook_deliveries.key), 0)
                """,
                [.real(date.timeIntervalSince1970)], operation: "prune")
            let pruned = connection.changes
            // A key with no deliveries left needs no progress: new ones get larger sequences anyway.
            try connection.run(
                "DELETE FROM webhook_progress WHERE key NOT IN (SELECT key FROM webhook_deliveries)", operation: "prune")
            return pruned
        }
    }
}

extension SQLiteEventInbox {
    /// A pragma's value on the inbox's own connection, for tests and diagnostics; `name` is a constant.
    func pragma(_ name: String) throws -> String {
        try connection.query("PRAGMA \(name)", operation: "read \(name)") { $0.text(0) }.first ?? ""
    }
}
