import Blueprint
import Foundation

/// What a per-PR worker must remember across a crash: the state machine (what the environment
/// should be, what was running, how often its teardown failed) and the pull request it renders for.
/// Saved before any operation the machine asks for starts, so a restart re-issues an interrupted
/// apply or destroy and keeps a failed teardown's backoff.
public struct WorkerRecord: Sendable, Hashable, Codable {
    public var key: EnvironmentKey
    public var machine: EnvironmentStateMachine
    /// The pull request as of the last accepted event.
    public var pullRequest: PRContext
    /// Increases with every save; a store keeps the highest, so an older snapshot written late (two
    /// saves racing) never replaces a newer one.
    public var revision: Int64
    public var updatedAt: Date

    public init(key: EnvironmentKey, machine: EnvironmentStateMachine, pullRequest: PRContext, revision: Int64, updatedAt: Date) {
        self.key = key
        self.machine = machine
        self.pullRequest = pullRequest
        self.revision = revision
        self.updatedAt = updatedAt
    }
}

/// Durable storage of worker records; SQLite keeps them in the state database, beside the records
/// of the environments they drive.
public protocol WorkerStore: Sendable {
    /// Saves `record` unless the stored one has a higher or equal revision.
    func saveWorker(_ record: WorkerRecord) async throws
    /// Every worker record, sorted by key.
    func workers() async throws -> [WorkerRecord]
    /// The worker records of one PR (`EnvironmentKey.leaseKey`), sorted by key: what a replica loads
    /// when it takes a PR's lease over, since another replica may have saved them since.
    func workers(leaseKey: String) async throws -> [WorkerRecord]
    /// The worker records of one repository (`owner/name`, compared case-insensitively as GitHub
    /// does), sorted by key: what a push to a base branch asks about, on the webhook's path, so
    /// a database store reads only that repository's rows rather than decoding every worker.
    func workers(repository: String) async throws -> [WorkerRecord]
    /// Each worker's machine phase by name (`EnvironmentPhase.name`): what the
    /// `prenv_environments` gauge counts, answered by a database store without decoding a record.
    func workerPhaseNames() async throws -> [EnvironmentKey: String]
    /// The PRs (`EnvironmentKey.leaseKey`) with a worker whose machine `needsOwner`: what the lone
    /// replica resumes and re-checks at every reconciler pass. Database stores keep the flag in a
    /// column written at every save, so the answer does not decode every worker record (at 10,000
    /// environments, tens of megabytes built and freed once a minute).
    func leaseKeysNeedingOwner() async throws -> Set<String>
}

extension WorkerStore {
    public func workers(repository: String) async throws -> [WorkerRecord] {
        try await workers().filter { $0.key.repository.lowercased() == repository.lowercased() }
    }

    public func leaseKeysNeedingOwner() async throws -> Set<String> {
        Set(try await workers().filter(\.machine.needsOwner).map(\.key.leaseKey))
    }

    public func workerPhaseNames() async throws -> [EnvironmentKey: String] {
        Dictionary(try await workers().map { ($0.key, $0.machine.phase.name) }, uniquingKeysWith: { _, last in last })
    }

    public func workers(leaseKey: String) async throws -> [WorkerRecord] {
        try await workers().filter { $0.key.leaseKey == leaseKey }
    }
}

/// Worker records in memory, for engine tests.
public actor InMemoryWorkerStore: WorkerStore {
    private var records: [EnvironmentKey: WorkerRecord] = [:]

    public init() {}

    public func saveWorker(_ record: WorkerRecord) {
        if let stored = records[record.key], stored.revision >= record.revision { return }
        records[record.key] = record
    }

    public func workers() -> [WorkerRecord] { records.values.sorted { $0.key < $1.key } }
}
