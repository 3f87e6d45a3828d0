/// Durable storage of environment records. Defined here, where it is used; the SQLite
/// implementation (and any other backend) lives in its own target and shares one contract test suite.
public protocol StateStore: Sendable {
    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord?
    /// Replaces the whole record (nodes included).
    func save(_ record: EnvironmentRecord) async throws
    /// Replaces one node of an existing record, atomically: the executor writes nodes concurrently and
    /// each write must not lose another's. Throws `StateStoreError.notFound` without a record.
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws
    /// Every record, sorted by key.
    func list() async throws -> [EnvironmentRecord]
    /// Each record's phase by name (`EnvironmentPhase.name`), without its nodes: what the
    /// `prenv_environments` gauge counts. A database store answers it without decoding a record
    /// (at 10,000 environments `list()` builds tens of megabytes to throw away).
    func phaseNames() async throws -> [EnvironmentKey: String]
    /// Removes the record; removing a missing record is not an error.
    func delete(_ key: EnvironmentKey) async throws
    /// The instance id kept with this state (see `PRENV_INSTANCE`): the stored one, or `candidate`,
    /// stored now, when there is none yet. Never changes once stored.
    func instanceID(proposing candidate: String) async throws -> String

    // MARK: GitHub object ids (`GitHubObjectIDs.swift`); they outlive `delete(_:)` of the record.

    /// The deployment prenv created for `sha` of the environment, if any.
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment?
    /// Records a deployment; it becomes the environment's latest. Saving the same sha again replaces
    /// its id. Keeps the latest `StoredDeployment.keptPerEnvironment` per environment.
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws
    /// The deployment saved last for the environment.
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment?
    /// The environment's sticky comment, if prenv knows it.
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment?
    /// Records the sticky comment; nil forgets it (GitHub said it is gone).
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws
}

extension StateStore {
    public func phaseNames() async throws -> [EnvironmentKey: String] {
        Dictionary(try await list().map { ($0.key, $0.state.name) }, uniquingKeysWith: { _, last in last })
    }
}

/// Errors every store reports the same way.
public enum StateStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case notFound(EnvironmentKey)

    public var description: String {
        switch self {
        case .notFound(let key): "no environment record for \(key)"
        }
    }
}

/// A store in memory: for tests and `--dry-run`; an actor, so concurrent node writes serialise.
public actor InMemoryStateStore: StateStore {
    private var records: [EnvironmentKey: EnvironmentRecord]

    public init(_ records: [EnvironmentRecord] = []) {
        self.records = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func load(_ key: EnvironmentKey) -> EnvironmentRecord? { records[key] }

    public func save(_ record: EnvironmentRecord) { records[record.key] = record }

    public func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) throws {
        guard var record = records[key] else { throw StateStoreError.notFound(key) }
        record.nodes[node.id] = node
        record.updatedAt = max(record.updatedAt, node.updatedAt)
        records[key] = record
    }

    public func list() -> [EnvironmentRecord] { records.values.sorted { $0.key < $1.key } }

    public func delete(_ key: EnvironmentKey) { records[key] = nil }

    private var storedInstanceID: String?
    /// Per environment, oldest first (`+GitHubObjects`).
    var deployments: [EnvironmentKey: [StoredDeployment]] = [:]
    var comments: [EnvironmentKey: StoredComment] = [:]

    public func instanceID(proposing candidate: String) -> String {
        if let storedInstanceID { return storedInstanceID }
        storedInstanceID = candidate
        return candidate
    }
}
