import Foundation
import Orchestrator
import PostgresNIO

/// Worker records in `prenv_workers`, beside the environments they drive.
extension PostgresStateStore: WorkerStore {
    /// One upsert; the `WHERE` keeps a stored record with a higher or equal revision, so the newest
    /// state wins even when two saves arrive out of order. `needs_owner` is written on every save,
    /// from the record's machine, for `LeaseStore.unownedWork`.
    public func saveWorker(_ record: WorkerRecord) async throws {
        let key = record.key
        let json = try json(record)
        let needsOwner = record.machine.needsOwner
        try await pool.transaction("saveWorker", fencedFor: key.leaseKey) { connection in
            _ = try await connection.query(
                """
                INSERT INTO prenv_workers (repository, pr, blueprint, lease_key, revision, needs_owner, record_json, updated_at)
                VALUES (\(key.repository), \(key.pr), \(key.blueprint), \(key.leaseKey), \(record.revision), \(needsOwner),
                        \(json), \(record.updatedAt))
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET
                    lease_key = excluded.lease_key, revision = excluded.revision, needs_owner = excluded.needs_owner,
                    record_json = excluded.record_json, updated_at = excluded.updated_at
                WHERE excluded.revision > prenv_workers.revision
                """, logger: pool.logger)
        }
    }

    public func workers() async throws -> [WorkerRecord] {
        try await pool.read("workers") { connection in
            let rows = try await connection.query("SELECT record_json FROM prenv_workers", logger: pool.logger)
            return try await decodeWorkers(rows, operation: "workers")
        }
    }

    /// Only that repository's rows are decoded (`lower` folds as Swift's `lowercased()` does for
    /// GitHub's ASCII names; the result is filtered in Swift all the same).
    public func workers(repository: String) async throws -> [WorkerRecord] {
        try await pool.read("workers(repository:)") { connection in
            let rows = try await connection.query(
                "SELECT record_json FROM prenv_workers WHERE lower(repository) = lower(\(repository))", logger: pool.logger)
            return try await decodeWorkers(rows, operation: "workers(repository:)")
        }.filter { $0.key.repository.lowercased() == repository.lowercased() }
    }

    /// From the `needs_owner` column, not by decoding every record.
    public func leaseKeysNeedingOwner() async throws -> Set<String> {
        try await pool.read("leaseKeysNeedingOwner") { connection in
            var keys: Set<String> = []
            let rows = try await connection.query("SELECT DISTINCT lease_key FROM prenv_workers WHERE needs_owner", logger: pool.logger)
            for try await key in rows.decode(String.self) { keys.insert(key) }
            return keys
        }
    }

    /// By the indexed `lease_key` column, not by filtering every record.
    public func workers(leaseKey: String) async throws -> [WorkerRecord] {
        try await pool.read("workers(leaseKey:)") { connection in
            let rows = try await connection.query(
                "SELECT record_json FROM prenv_workers WHERE lease_key = \(leaseKey)", logger: pool.logger)
            return try await decodeWorkers(rows, operation: "workers(leaseKey:)")
        }
    }

    /// Sorted in Swift by key, not by the database's collation, so every store agrees.
    private func decodeWorkers(_ rows: PostgresRowSequence, operation: String) async throws -> [WorkerRecord] {
        var records: [WorkerRecord] = []
        for try await json in rows.decode(String.self) {
            records.append(try decode(WorkerRecord.self, json, what: "a worker record", operation: operation))
        }
        return records.sorted { $0.key < $1.key }
    }
}
