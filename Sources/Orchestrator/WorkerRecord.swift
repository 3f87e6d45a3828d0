import Blueprint
import Foundation

/// What a per-PR worker must remember across a crash: the state machine (what the environment
/// should be, what was running) and the pull request it renders for. Saved before any operation the
/// machine asks for starts, so a restart re-issues an interrupted apply or destroy.
public struct WorkerRecord: Sendable, Hashable, Codable {
    public var key: EnvironmentKey
    public var machine: EnvironmentStateMachine
    /// The pull request as of the last accepted event.
    public var pullRequest: PullRequestInfo
    /// Increases with every save; a store keeps the highest, so an older snapshot written late (two
    /// saves racing) never replaces a newer one.
    public var revision: Int64
    public var updatedAt: Date

    public init(key: EnvironmentKey, machine: EnvironmentStateMachine, pullRequest: PullRequestInfo, revision: Int64, updatedAt: Date) {
        self.key = key
        self.machine = machine
        self.pullRequest = pullRequest
        self.revision = revision
        self.updatedAt = updatedAt
    }
}

/// The render context of a PR, storable (`PRContext` is the blueprint's view of the same values).
public struct PullRequestInfo: Sendable, Hashable, Codable {
    public var owner: String
    public var repository: String
    public var number: Int
    public var headSHA: String
    public var headRef: String
    public var baseRef: String
    public var author: String

    public init(_ context: PRContext) {
        owner = context.owner
        repository = context.repository
        number = context.number
        headSHA = context.headSHA
        headRef = context.headRef
        baseRef = context.baseRef
        author = context.author
    }

    /// The context to render at `sha` (the machine may apply a SHA other than the latest seen).
    public func context(at sha: String? = nil) -> PRContext {
        PRContext(owner: owner, repository: repository, number: number, headSHA: sha ?? headSHA,
                  headRef: headRef, baseRef: baseRef, author: author)
    }
}

/// Durable storage of worker records; SQLite keeps them in the state database, beside the records
/// of the environments they drive.
public protocol WorkerStore: Sendable {
    /// Saves `record` unless the stored one has a higher or equal revision.
    func saveWorker(_ record: WorkerRecord) async throws
    /// Every worker record, sorted by key.
    func workers() async throws -> [WorkerRecord]
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
