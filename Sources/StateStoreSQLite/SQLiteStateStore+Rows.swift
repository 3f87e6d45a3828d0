import Blueprint
import Foundation
import Orchestrator

/// Rows to records and back. The column lists and the bound values are kept side by side here so
/// their orders cannot drift apart.
extension SQLiteStateStore {
    static let environmentColumns = "repository, pr, blueprint, env_name, head_sha, phase_json, updated_at"
    static let nodeColumns = "repository, pr, blueprint, record_json"

    /// Keeps the row (and so its nodes) when it exists: `INSERT OR REPLACE` would delete it first.
    static let upsertEnvironment = """
        INSERT INTO environments (repository, pr, blueprint, key, env_name, head_sha, phase_json, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (repository, pr, blueprint) DO UPDATE SET
            key = excluded.key, env_name = excluded.env_name, head_sha = excluded.head_sha,
            phase_json = excluded.phase_json, updated_at = excluded.updated_at
        """

    static let upsertNode = """
        INSERT INTO nodes (repository, pr, blueprint, id, type, status, record_json, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (repository, pr, blueprint, id) DO UPDATE SET
            type = excluded.type, status = excluded.status,
            record_json = excluded.record_json, updated_at = excluded.updated_at
        """

    static func values(_ key: EnvironmentKey) -> [SQLiteValue] {
        [.text(key.repository), .integer(Int64(key.pr)), .text(key.blueprint)]
    }

    func environmentValues(_ record: EnvironmentRecord) throws -> [SQLiteValue] {
        Self.values(record.key) + [
            .text(record.key.id), .text(record.envName), .text(record.headSHA),
            .text(try json(record.state)), .real(record.updatedAt.timeIntervalSince1970),
        ]
    }

    func nodeValues(_ key: EnvironmentKey, _ node: NodeRecord) throws -> [SQLiteValue] {
        Self.values(key) + [
            .text(node.id), .text(node.type.rawValue), .text(node.status.rawValue),
            .text(try json(node)), .real(node.updatedAt.timeIntervalSince1970),
        ]
    }

    /// An environment row (columns as in `environmentColumns`), without its nodes.
    func environment(_ row: SQLiteRow) throws -> EnvironmentRecord {
        let key = Self.key(row)
        return EnvironmentRecord(
            key: key, envName: row.text(3), headSHA: row.text(4),
            state: try decode(EnvironmentPhase.self, row.text(5), what: "the phase of \(key)"),
            updatedAt: Date(timeIntervalSince1970: row.real(6)))
    }

    /// A node row (columns as in `nodeColumns`) and the environment it belongs to.
    func node(_ row: SQLiteRow) throws -> (key: EnvironmentKey, node: NodeRecord) {
        let key = Self.key(row)
        return (key, try decode(NodeRecord.self, row.text(3), what: "a node of \(key)"))
    }

    static func key(_ row: SQLiteRow) -> EnvironmentKey {
        EnvironmentKey(repository: row.text(0), pr: Int(row.integer(1)), blueprint: row.text(2))
    }

    private func json(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String, what: String) throws -> T {
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw SQLiteSchemaError.undecodable(path: path, what: what, reason: String(describing: error))
        }
    }
}
