import Foundation
import Orchestrator
import Synchronization

/// The leases this replica holds, with the deadline on its own clock past which it stops acting
/// under each (`ReplicaCoordination.localValidity`), and the tokens it lost. Shared by the
/// supervisor and the status reporter's senders (`WriteOwnership`), so it is a lock, not an actor:
/// a sender asks right before it sends, without a hop.
final class LeaseLedger: Sendable {
    struct Held: Sendable {
        var lease: PullRequestLease
        var deadline: ContinuousClock.Instant
        /// This replica's own number for this holding of the PR, new at every take-over. Not the
        /// token: a lease lost on this replica's clock alone (the store's still stands) is taken
        /// back with the same token, and the earlier tenure's tasks and writes must not pass for
        /// the new one's.
        var tenure: UInt64
    }

    private struct State {
        var held: [String: Held] = [:]
        /// Per PR, the highest tenure this replica lost (to another replica, or to its own clock).
        var lost: [String: UInt64] = [:]
        var lastTenure: UInt64 = 0
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> ContinuousClock.Instant

    init(clock: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.clock = clock
    }

    /// A lease acquired or renewed, trusted until `deadline`; returns the holding (nil: a renewal
    /// of a lease lost meanwhile, its token no longer the one held, which changes nothing). An
    /// acquire of a PR not held starts a new tenure; one of a PR held under the same token (a claim
    /// racing a renewal) keeps it.
    @discardableResult
    func hold(_ lease: PullRequestLease, until deadline: ContinuousClock.Instant, renewal: Bool = false) -> Held? {
        state.withLock { state in
            if let held = state.held[lease.key], held.lease.token == lease.token {
                state.held[lease.key] = Held(lease: lease, deadline: deadline, tenure: held.tenure)
            } else {
                guard !renewal else { return nil }
                state.lastTenure += 1
                state.held[lease.key] = Held(lease: lease, deadline: deadline, tenure: state.lastTenure)
            }
            return state.held[lease.key]
        }
    }

    func held(_ key: String) -> Held? { state.withLock { $0.held[key] } }

    var all: [Held] { state.withLock { $0.held.values.sorted { $0.lease.key < $1.lease.key } } }

    /// Forgets the holding `tenure` of `key` as lost; false when it was not the one held (already
    /// lost, or a newer one).
    func lose(_ key: String, tenure: UInt64) -> Bool {
        state.withLock { state in
            guard state.held[key]?.tenure == tenure else { return false }
            state.held[key] = nil
            state.lost[key] = max(state.lost[key] ?? 0, tenure)
            return true
        }
    }

    /// Forgets the holding `tenure` of `key`, given up on purpose (nothing left to do for its PR).
    func release(_ key: String, tenure: UInt64) {
        state.withLock { state in
            if state.held[key]?.tenure == tenure { state.held[key] = nil }
        }
    }

    /// Whether a write made under the holding `tenure` of `key` may still go out: while its PR is
    /// held, only under that very holding (another is an earlier tenure, perhaps before another
    /// replica's) and before its deadline on this replica's clock (a paused process must not send
    /// what it queued before the pause); while it is not, unless the holding was lost. A holding
    /// released on purpose still allows what was queued under it: those writes tell the end of the
    /// very work the release followed (at shutdown, the finals).
    func allows(_ key: String, tenure: UInt64) -> Bool {
        let now = clock()
        return state.withLock { state in
            if let held = state.held[key] { return held.tenure == tenure && now < held.deadline }
            if let lost = state.lost[key], tenure <= lost { return false }
            return true
        }
    }
}
