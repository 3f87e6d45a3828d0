import Orchestrator

/// What several `prenv serve` replicas on one PostgreSQL state share besides the stores: who owns
/// which PR (leases with fencing tokens), the wake-ups between replicas, and which replica runs
/// the singletons. `ServeParts.replica` holds it; nil means a single server (SQLite, tests), which
/// the supervisor runs without any of this.
public struct ReplicaCoordination: Sendable {
    /// This replica's name in leases and log lines.
    public var identity: String
    public var leases: any LeaseStore
    public var signal: any WorkSignal
    public var leader: any LeaderElection

    public init(identity: String, leases: any LeaseStore, signal: any WorkSignal, leader: any LeaderElection) {
        self.identity = identity
        self.leases = leases
        self.signal = signal
        self.leader = leader
    }
}
