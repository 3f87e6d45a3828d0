import Foundation
import Orchestrator

extension SQLiteStateStore: WorkerStore {
    /// One upsert; the `WHERE` keeps a stored record with a higher revision, so the newest state
    /// wins even when two saves arrive out of order.
    public func saveWorker(_ record: WorkerRecord) throws {
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try connection.transaction("saveWorker", write: true) {
            try connection.run(
                """
                INSERT INTO workers (repository, pr, blueprint, revision, record_json, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET
                    revision = excluded.revision, record_json = excluded.record_json, updated_at = excluded.updated_at
                WHERE excluded.revision > workers.revision
                """,
                Self.values(record.key) + [.integer(record.revision), .text(json), .real(record.updatedAt.timeIntervalSince1970)],
                operation: "saveWorker")
        }
    }

    public func workers() throws -> [WorkerRecord] {
        try connection.transaction("workers", write: false) {
            try connection.query(
                "SELECT record_json FROM workers ORDER BY repository, pr, blueprint", [], operation: "workers"
            ) { row in
                do {
                    return try decoder.decode(WorkerRecord.self, from: Data(row.text(0).utf8))
                } catch {
                    throw SQLiteSchemaError.undecodable(path: path, what: "worker record", reason: String(describing: error))
                }
            }
        }
    }
}
