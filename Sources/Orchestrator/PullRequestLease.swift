import Foundation

/// One replica's right to act on one pull request (every blueprint's environment of it), for a while.
///
/// Several `prenv serve` replicas share one PostgreSQL: any of them records a webhook, but only the
/// holder of a PR's lease drains its events and runs its operations. A lease expires unless renewed,
/// so a replica that dies (or is paused past `expiresAt`) loses its PRs to another replica, which
/// resumes their work as a restart does. `token` is the fencing token: it grows every time the
/// lease changes hands, and every state write made under the lease carries it (`WriteFence`), so
/// the database refuses a write from a replica that woke up after losing the lease.
public struct PullRequestLease: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The PR's inbox key, `owner/name#5` (`EnvironmentKey.leaseKey`).
    public var key: String
    /// The replica holding it (`ReplicaIdentity`), e.g. `host-1234-5f3a`.
    public var holder: String
    /// Strictly increasing per key across hand-overs; unchanged by renewals.
    public var token: Int64
    /// By the database's clock: no two replicas' clocks are compared.
    public var expiresAt: Date

    public init(key: String, holder: String, token: Int64, expiresAt: Date) {
        self.key = key
        self.holder = holder
        self.token = token
        self.expiresAt = expiresAt
    }

    public var description: String { "lease \(key) held by \(holder) (token \(token))" }
}

extension EnvironmentKey {
    /// The key of the lease (and of the inbox's events) that covers this environment: its PR.
    public var leaseKey: String { "\(repository)#\(pr)" }
}

/// Where leases live. PostgreSQL decides with its own clock and row locks; the in-memory one is
/// the reference for engine tests and the single-replica (SQLite) server, where every acquire wins.
public protocol LeaseStore: Sendable {
    /// Takes the lease on `key` for `holder` when nobody holds it, its holder's has expired, or
    /// `holder` already holds it (then it is renewed, token unchanged). A take-over gets a new,
    /// higher token. nil: another replica holds it.
    func acquire(_ key: String, holder: String, for duration: Duration) async throws -> PullRequestLease?
    /// Extends a lease still held with the same token; nil when it was lost (expired and taken, or
    /// released): the caller must stop acting on the PR.
    func renew(_ lease: PullRequestLease, for duration: Duration) async throws -> PullRequestLease?
    /// Gives the lease up early (the PR has nothing running), so any replica can take its next event
    /// at once. Releasing a lease no longer held does nothing.
    func release(_ lease: PullRequestLease) async throws
    /// PR keys that have work no live lease covers: pending inbox events, or a worker record with an
    /// operation to run, resume or retry. What a replica polls (besides wake-ups) to find work, and
    /// how a dead replica's PRs are found once its leases expire.
    func unownedWork() async throws -> [String]
}

/// The fencing token of the operation running in this task, if any. Task-local, so it reaches every
/// store write made by the operation's child tasks and `Task {}`s without threading a parameter
/// through the executor and providers (`Task.detached` does not inherit it: do not write state from
/// one). A store that supports fencing refuses a write under a token that is no longer the key's
/// current one, with `FencedWriteRefused`; stores without replicas (SQLite, memory) ignore it.
public enum WriteFence {
    @TaskLocal public static var current: PullRequestLease?
}

/// A state write made under a lease that has since moved to another replica (or expired and been
/// taken). The write did not happen; the replica must stop acting on the PR.
public struct FencedWriteRefused: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var token: Int64

    public init(key: String, token: Int64) {
        self.key = key
        self.token = token
    }

    public var description: String { "state write for \(key) refused: lease token \(token) is no longer current (another replica took over)" }
}

/// Wake-ups between replicas: intake on one replica says a PR has new events, and every replica
/// hears it (PostgreSQL `LISTEN/NOTIFY`), so idle replicas need not poll tightly. A hint only: a
/// missed signal is caught by the next `unownedWork()` poll.
public protocol WorkSignal: Sendable {
    /// Tells every replica (this one too) that `key` has work.
    func signal(_ key: String) async throws
    /// Keys as signalled, until the stream's consumer stops iterating.
    func signals() -> AsyncStream<String>
}

/// Runs the singletons (reconciler, PR checks, orphan sweep) on one replica at a time.
public protocol LeaderElection: Sendable {
    /// Whether this replica leads now; asked before each singleton pass. Campaigns when not leading,
    /// so a dead leader is replaced at the next ask of another replica.
    func isLeader() async -> Bool
    /// Stops leading (orderly shutdown), so another replica takes over without waiting.
    func resign() async
}
