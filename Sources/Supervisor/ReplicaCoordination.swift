import Foundation
import Orchestrator

/// How one `prenv serve` replica shares pull requests with the others (issue 13): whose lease it
/// holds them under, how it hears of work, and whether it runs the singletons.
///
/// One code path for every deployment: a lone replica (SQLite, tests) gets `single`, whose lease
/// store grants every acquire, whose signals stay in the process and which always leads; several
/// replicas on one PostgreSQL get the PostgreSQL lease store, `LISTEN/NOTIFY` signals and election.
public struct ReplicaCoordination: Sendable {
    /// This replica's id in the lease store (`PullRequestLease.holder`).
    public var holder: String
    public var leases: any LeaseStore
    public var signal: any WorkSignal
    public var leader: any LeaderElection
    /// How long a lease lasts unless renewed: how long a dead replica's PRs wait for another one.
    public var leaseDuration: Duration
    /// How often held leases are renewed; a third of `leaseDuration` leaves two more tries before
    /// the lease runs out on this replica's clock.
    public var renewEvery: Duration
    /// How often `LeaseStore.unownedWork()` is asked, for signals missed and dead replicas' PRs.
    public var pollEvery: Duration
    /// This replica's monotonic clock, which decides when it stops trusting a lease it holds
    /// (`localValidity`). Tests move it to play a process that was paused (SIGSTOP) past its leases.
    public var clock: @Sendable () -> ContinuousClock.Instant
    /// No other replica shares the stores (`single`): its signals would reach only itself, so it
    /// sends none, and every worker that holds or waits for a slot is in its own slots.
    public var isAlone = false

    public init(
        holder: String, leases: any LeaseStore, signal: any WorkSignal, leader: any LeaderElection,
        leaseDuration: Duration = .seconds(30), renewEvery: Duration? = nil, pollEvery: Duration = .seconds(2),
        clock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.holder = holder
        self.leases = leases
        self.signal = signal
        self.leader = leader
        self.leaseDuration = leaseDuration
        self.renewEvery = renewEvery ?? leaseDuration / 3
        self.pollEvery = pollEvery
        self.clock = clock
    }

    /// How long after asking for a lease (or its renewal) this replica acts under it: the lease's
    /// duration less a sixth, measured on its own clock from *before* the request. The store counts
    /// the full duration from when it answered, so as long as the two clocks' rates differ by less
    /// than a sixth, a replica stops writing before any other replica can take the lease over; a
    /// process that was paused wakes up with this deadline behind it and writes nothing more.
    public var localValidity: Duration { leaseDuration - leaseDuration / 6 }

    /// The lone replica: every acquire wins (nobody else asks), signals stay in the process, and it
    /// always leads. Its work is what `start()` resumed before replicas existed: every PR with
    /// pending inbox events or a worker whose machine `needsOwner`.
    ///
    /// Its leases last a year: with no other replica to hand a PR to, a lease that ran out on its
    /// own clock (a laptop asleep, a debugger stop) would only make it drop its work and take it
    /// straight back, cancelling running operations for nothing. It polls every minute only: no
    /// replica can die and leave it work, and the reconciler's pass claims what a lost wake left.
    public static func single(holder: String = "local", inbox: any EventInbox, workers: any WorkerStore) -> ReplicaCoordination {
        let work: @Sendable () async throws -> [String] = {
            let pending = try await inbox.pendingKeys()
            return Set(pending).union(try await workers.leaseKeysNeedingOwner()).sorted()
        }
        var single = ReplicaCoordination(holder: holder, leases: InMemoryLeaseStore(work: work), signal: InProcessWorkSignal(), leader: SoleLeader(),
                                         leaseDuration: .seconds(365 * 24 * 3600), pollEvery: .seconds(60))
        single.isAlone = true
        return single
    }
}
