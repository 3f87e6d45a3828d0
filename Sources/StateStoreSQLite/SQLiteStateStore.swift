import Foundation
import Orchestrator

/// The embedded default `StateStore`: one SQLite file, one connection, owned by this actor.
///
/// The actor serialises the executor's concurrent node writes; every write is one transaction, and
/// `saveNode` touches a single node row, so a crash between two provider calls loses nothing that
/// was already committed. SQLite calls are short and synchronous and run on the actor's executor.
public actor SQLiteStateStore: StateStore {
    /// The schema version this build writes (`PRAGMA user_version`).
    public static var schemaVersion: Int { SQLiteMigrations.latestVersion }

    /// The database file as given to `init(path:)`.
    public nonisolated let path: String
    let connection: SQLiteConnection
    let encoder: JSONEncoder
    /// SQLite blocks (fsync, busy waits): this actor runs on its database's queue, off the cooperative pool.
    private nonisolated let executor: DispatchQueueExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    let decoder = JSONDecoder()

    /// Opens (creating it and its parent directories if needed) and migrates the database at `path`;
    /// `":memory:"` gives a private in-memory database for tests.
    ///
    /// Durability: WAL journal with `synchronous=FULL`. A node's state is written before and after
    /// each AWS call so that a crash leaves evidence of what may exist in AWS; with `NORMAL`, a
    /// power loss could roll back the last commits and prenv would forget a resource it created
    /// (an orphan that costs money). `FULL` fsyncs the WAL on every commit, about 0.25 ms on this
    /// project's disks: negligible next to the AWS call each write brackets, so commits are not
    /// grouped. (Should webhook intake ever write here at volume, batch those commits.)
    ///
    /// - Parameter busyTimeout: how long a write waits for another process holding the lock.
    /// - Throws: `SQLiteError` naming the path (a file that is not a database among them), or
    ///   `SQLiteSchemaError` for a database written by a newer prenv.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        let connection = try SQLiteConnection.openMigrated(path: path, busyTimeout: busyTimeout)
        self.path = path
        self.connection = connection
        executor = DispatchQueueExecutor.forDatabase(path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        self.encoder = encoder
    }

    public func load(_ key: EnvironmentKey) throws -> EnvironmentRecord? {
        try connection.transaction("load", write: false) {
            guard var record = try connection.query(
                "SELECT \(Self.environmentColumns) FROM environments WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(key), operation: "load", map: environment
            ).first else { return nil }
            let nodes = try connection.query(
                "SELECT \(Self.nodeColumns) FROM nodes WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(key), operation: "load", map: node)
            record.nodes = Dictionary(nodes.map { ($0.node.id, $0.node) }, uniquingKeysWith: { _, last in last })
            return record
        }
    }

    public func save(_ record: EnvironmentRecord) throws {
        try connection.transaction("save", write: true) {
            try connection.run(Self.upsertEnvironment, try environmentValues(record), operation: "save")
            try connection.run(
                "DELETE FROM nodes WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(record.key), operation: "save")
            for node in record.nodes.values.sorted(by: { $0.id < $1.id }) {
                try connection.run(Self.upsertNode, try nodeValues(record.key, node), operation: "save")
            }
        }
    }

    /// One node row upserted, and the record's `updatedAt` moved forward, in one transaction.
    public func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) throws {
        try connection.transaction("saveNode", write: true) {
            try connection.run(
                """
                UPDATE environments SET updated_at = max(updated_at, ?)
                WHERE repository = ? AND pr = ? AND blueprint = ?
                """,
                [.real(node.updatedAt.timeIntervalSince1970)] + Self.values(key), operation: "saveNode")
            guard connection.changes > 0 else { throw StateStoreError.notFound(key) }
            try connection.run(Self.upsertNode, try nodeValues(key, node), operation: "saveNode")
        }
    }

    public func list() throws -> [EnvironmentRecord] {
        try connection.transaction("list", write: false) {
            var records = try connection.query(
                "SELECT \(Self.environmentColumns) FROM environments ORDER BY repository, pr, blueprint",
                operation: "list", map: environment)
            let nodes = try connection.query("SELECT \(Self.nodeColumns) FROM nodes", operation: "list", map: node)
            let byKey = Dictionary(grouping: nodes, by: \.key)
            for index in records.indices {
                let mine = byKey[records[index].key] ?? []
                records[index].nodes = Dictionary(mine.map { ($0.node.id, $0.node) }, uniquingKeysWith: { _, last in last })
            }
            // SQLite orders text by raw bytes, Swift by normalised Unicode: sort here so every store agrees.
            return records.sorted { $0.key < $1.key }
        }
    }

    /// Nodes go with the record (`ON DELETE CASCADE`).
    public func delete(_ key: EnvironmentKey) throws {
        try connection.transaction("delete", write: true) {
            try connection.run(
                "DELETE FROM environments WHERE repository = ? AND pr = ? AND blueprint = ?",
                Self.values(key), operation: "delete")
        }
    }
}

extension SQLiteStateStore {
    /// A pragma's current value on this store's own connection (some, like `synchronous`, are
    /// per connection and invisible to any other). For tests and diagnostics; `name` is a constant.
    func pragma(_ name: String) throws -> String {
        try connection.query("PRAGMA \(name)", operation: "read \(name)") { $0.text(0) }.first ?? ""
    }
}

extension SQLiteStateStore {
    /// The stored instance id, or `candidate` once stored: `INSERT OR IGNORE` then read back in
    /// one transaction, so two processes opening a fresh state at once agree on one id.
    public func instanceID(proposing candidate: String) throws -> String {
        try connection.transaction("instanceID", write: true) {
            try connection.run("INSERT OR IGNORE INTO state_facts (name, value) VALUES ('instance', ?)", [.text(candidate)],
                               operation: "instanceID")
            return try connection.query("SELECT value FROM state_facts WHERE name = 'instance'", [], operation: "instanceID") {
                $0.text(0)
            }.first ?? candidate
        }
    }
}

extension SQLiteStateStore: WorkerStore {
    /// One upsert; the `WHERE` keeps a stored record with a higher revision, so the newest state
    /// wins even when two saves arrive out of order.
    public func saveWorker(_ record: WorkerRecord) throws {
        let json = String(decoding: try encoder.encode(record), as: UTF8.self)
        try connection.transaction("saveWorker", write: true) {
            try connection.run(
                """
                INSERT INTO workers (repository, pr, blueprint, revision, record_json, updated_at, needs_owner)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (repository, pr, blueprint) DO UPDATE SET
                    revision = excluded.revision, record_json = excluded.record_json, updated_at = excluded.updated_at,
                    needs_owner = excluded.needs_owner
                WHERE excluded.revision > workers.revision
                """,
                Self.values(record.key) + [.integer(record.revision), .text(json), .real(record.updatedAt.timeIntervalSince1970),
                                           .integer(record.machine.needsOwner ? 1 : 0)],
                operation: "saveWorker")
        }
    }

    public func workers() throws -> [WorkerRecord] {
        try connection.transaction("workers", write: false) {
            try connection.query(
                "SELECT record_json FROM workers ORDER BY repository, pr, blueprint", [], operation: "workers") { try decodeWorker($0) }
        }
    }

    /// Only that repository's rows are decoded. SQLite's `lower` folds ASCII only, as GitHub's
    /// `owner/name` is (letters, digits, `-`, `_`, `.`); a name outside it compares exactly.
    public func workers(repository: String) async throws -> [WorkerRecord] {
        try connection.transaction("workers(repository:)", write: false) {
            try connection.query(
                "SELECT record_json FROM workers WHERE lower(repository) = lower(?)",
                [.text(repository)], operation: "workers(repository:)") { try decodeWorker($0) }
        }.filter { $0.key.repository.lowercased() == repository.lowercased() }.sorted { $0.key < $1.key }
    }

    /// From the `needs_owner` column (and its partial index), not by decoding every record.
    public func leaseKeysNeedingOwner() async throws -> Set<String> {
        try connection.transaction("leaseKeysNeedingOwner", write: false) {
            Set(try connection.query("SELECT DISTINCT repository, pr FROM workers WHERE needs_owner = 1", operation: "leaseKeysNeedingOwner") {
                EnvironmentKey(repository: $0.text(0), pr: Int($0.integer(1)), blueprint: "").leaseKey
            })
        }
    }

    /// One PR's records by the primary key's leading columns, not by reading every record: asked at
    /// every take-over and by intake for PRs it does not hold, and worker rows are never deleted.
    /// A key that is not `owner/name#N` names no PR: none.
    public func workers(leaseKey: String) throws -> [WorkerRecord] {
        guard let hash = leaseKey.lastIndex(of: "#"), let pr = Int(leaseKey[leaseKey.index(after: hash)...]) else { return [] }
        let repository = String(leaseKey[..<hash])
        return try connection.transaction("workers(leaseKey:)", write: false) {
            try connection.query(
                "SELECT record_json FROM workers WHERE repository = ? AND pr = ? ORDER BY blueprint", [.text(repository), .integer(Int64(pr))],
                operation: "workers(leaseKey:)") { try decodeWorker($0) }
        }
    }

    private func decodeWorker(_ row: SQLiteRow) throws -> WorkerRecord {
        do {
            return try decoder.decode(WorkerRecord.self, from: Data(row.text(0).utf8))
        } catch {
            throw SQLiteSchemaError.undecodable(path: path, what: "worker record", reason: String(describing: error))
        }
    }
}
