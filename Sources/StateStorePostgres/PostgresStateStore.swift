import Foundation
import Orchestrator
import PostgresNIO

/// `StateStore` and `WorkerStore` on PostgreSQL, shared by every replica (schema in
/// `PostgresMigrations.version1`). Made by `PostgresState.open`.
///
/// Every write is one transaction; `saveNode` touches one node row, so concurrent node writes of
/// one environment (the executor's) never lose each other, from one replica or several. Writes for
/// an environment are fenced (`WriteFence`, `PostgresFence`) when the calling task holds a lease.
/// Every value is a bound parameter (`PostgresQuery` interpolation), never spliced into SQL.
public final class PostgresStateStore: StateStore, Sendable {
    let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    public func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? {
        try await pool.transaction("load", snapshot: true) { connection in
            let rows = try await connection.query(
                """
                SELECT env_name, head_sha, phase_json, updated_at FROM prenv_environments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
            var found: EnvironmentRecord?
            for try await (envName, headSHA, phase, updatedAt) in rows.decode((String, String, String, Double).self) {
                found = try environment(key, envName: envName, headSHA: headSHA, phase: phase, updatedAt: updatedAt)
            }
            guard var record = found else { return nil }
            let nodeRows = try await connection.query(
                """
                SELECT record_json FROM prenv_nodes
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
            for try await json in nodeRows.decode(String.self) {
                let node = try decode(NodeRecord.self, json, what: "a node of \(key)", operation: "load")
                record.nodes[node.id] = node
            }
            return record
        }
    }

    /// The environment row upserted (kept, not replaced, so its nodes are not cascaded away), then
    /// its nodes replaced, in one transaction.
    public func save(_ record: EnvironmentRecord) async throws {
        let key = record.key
        let phase = try json(record.state)
        let nodes = try record.nodes.values.sorted { $0.id < $1.id }.map { ($0, try json($0)) }
        try await pool.transaction("save", fencedFor: key.leaseKey) { connection in
            try await connection.query(
                """
                INSERT INTO prenv_environments (repository, pr, blueprint, key, lease_key, env_name, head_sha, phase_json, updated_at)
                VALUES (\(key.repository), \(key.pr), \(key.blueprint), \(key.id), \(key.leaseKey), \(record.envName),
                        \(record.headSHA), \(phase), \(record.updatedAt.timeIntervalSince1970))
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET
                    key = excluded.key, lease_key = excluded.lease_key, env_name = excluded.env_name,
                    head_sha = excluded.head_sha, phase_json = excluded.phase_json, updated_at = excluded.updated_at
                """, logger: pool.logger)
            try await connection.query(
                """
                DELETE FROM prenv_nodes
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
            for (node, json) in nodes {
                try await upsertNode(key, node, json: json, on: connection)
            }
        }
    }

    /// Moves the record's `updatedAt` forward and upserts one node row, in one transaction; the
    /// `UPDATE` locks the environment row, so concurrent node writes of one environment queue there.
    public func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws {
        let json = try json(node)
        try await pool.transaction("saveNode", fencedFor: key.leaseKey) { connection in
            let rows = try await connection.query(
                """
                UPDATE prenv_environments SET updated_at = greatest(updated_at, \(node.updatedAt.timeIntervalSince1970))
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                RETURNING 1
                """, logger: pool.logger)
            var found = false
            for try await _ in rows { found = true }
            guard found else { throw StateStoreError.notFound(key) }
            try await upsertNode(key, node, json: json, on: connection)
        }
    }

    public func list() async throws -> [EnvironmentRecord] {
        try await pool.transaction("list", snapshot: true) { connection in
            let rows = try await connection.query(
                "SELECT repository, pr, blueprint, env_name, head_sha, phase_json, updated_at FROM prenv_environments",
                logger: pool.logger)
            var records: [EnvironmentKey: EnvironmentRecord] = [:]
            for try await (repository, pr, blueprint, envName, headSHA, phase, updatedAt)
                in rows.decode((String, Int, String, String, String, String, Double).self)
            {
                let key = EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
                records[key] = try environment(key, envName: envName, headSHA: headSHA, phase: phase, updatedAt: updatedAt)
            }
            let nodeRows = try await connection.query(
                "SELECT repository, pr, blueprint, record_json FROM prenv_nodes", logger: pool.logger)
            for try await (repository, pr, blueprint, json) in nodeRows.decode((String, Int, String, String).self) {
                let key = EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
                let node = try decode(NodeRecord.self, json, what: "a node of \(key)", operation: "list")
                records[key]?.nodes[node.id] = node
            }
            // Sorted in Swift, not by the database's collation, so every store agrees.
            return records.values.sorted { $0.key < $1.key }
        }
    }

    /// Nodes go with the record (`ON DELETE CASCADE`).
    public func delete(_ key: EnvironmentKey) async throws {
        try await pool.transaction("delete", fencedFor: key.leaseKey) { connection in
            _ = try await connection.query(
                """
                DELETE FROM prenv_environments
                WHERE repository = \(key.repository) AND pr = \(key.pr) AND blueprint = \(key.blueprint)
                """, logger: pool.logger)
        }
    }

    /// Insert-if-absent then read back, in one transaction: replicas opening a fresh state at once
    /// agree on one id (the loser's insert waits on the winner's row, then does nothing).
    public func instanceID(proposing candidate: String) async throws -> String {
        try await pool.transaction("instanceID") { connection in
            try await connection.query(
                "INSERT INTO prenv_facts (name, value) VALUES ('instance', \(candidate)) ON CONFLICT (name) DO NOTHING",
                logger: pool.logger)
            let rows = try await connection.query("SELECT value FROM prenv_facts WHERE name = 'instance'", logger: pool.logger)
            var stored = candidate
            for try await value in rows.decode(String.self) { stored = value }
            return stored
        }
    }

    private func upsertNode(_ key: EnvironmentKey, _ node: NodeRecord, json: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO prenv_nodes (repository, pr, blueprint, id, type, status, record_json, updated_at)
            VALUES (\(key.repository), \(key.pr), \(key.blueprint), \(node.id), \(node.type.rawValue), \(node.status.rawValue),
                    \(json), \(node.updatedAt))
            ON CONFLICT (repository, pr, blueprint, id) DO UPDATE SET
                type = excluded.type, status = excluded.status, record_json = excluded.record_json, updated_at = excluded.updated_at
            """, logger: pool.logger)
    }
}

// MARK: Rows to records and back

extension PostgresStateStore {
    func environment(_ key: EnvironmentKey, envName: String, headSHA: String, phase: String, updatedAt: Double) throws
        -> EnvironmentRecord
    {
        EnvironmentRecord(
            key: key, envName: envName, headSHA: headSHA,
            state: try decode(EnvironmentPhase.self, phase, what: "the phase of \(key)", operation: "load"),
            updatedAt: Date(timeIntervalSince1970: updatedAt))
    }

    /// JSON with sorted keys, as SQLite writes it: the same value always gives the same text.
    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String, operation: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw PostgresStateError(operation: operation, location: pool.location.description,
                                     reason: .undecodable(what: what, detail: String(describing: error)))
        }
    }
}
