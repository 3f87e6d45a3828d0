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
    }

    private struct State {
        var held: [String: Held] = [:]
        /// Per PR, the highest token this replica lost (to another replica, or to its own clock).
        var lost: [String: Int64] = [:]
    }

    private let state = Mutex(State())
    private let clock: @Sendable () -> ContinuousClock.Instant

    init(clock: @escaping @Sendable () -> ContinuousClock.Instant) {
        self.clock = clock
    }

    /// A lease acquired or renewed, trusted until `deadline`. A renewal of a lease lost meanwhile
    /// (its token no longer the one held) changes nothing.
    func hold(_ lease: PullRequestLease, until deadline: ContinuousClock.Instant, renewal: Bool = false) {
        state.withLock { state in
            if renewal, state.held[lease.key]?.lease.token != lease.token { return }
            state.held[lease.key] = Held(lease: lease, deadline: deadline)
        }
    }

    func held(_ key: String) -> Held? { state.withLock { $0.held[key] } }

    var all: [Held] { state.withLock { $0.held.values.sorted { $0.lease.key < $1.lease.key } } }

    /// Forgets `lease` as lost; false when it was not the one held (already lost, or a newer one).
    func lose(_ lease: PullRequestLease) -> Bool {
        state.withLock { state in
            guard state.held[lease.key]?.lease.token == lease.token else { return false }
            state.held[lease.key] = nil
            state.lost[lease.key] = max(state.lost[lease.key] ?? 0, lease.token)
            return true
        }
    }

    /// Forgets `lease` given up on purpose (nothing left to do for its PR).
    func release(_ lease: PullRequestLease) {
        state.withLock { state in
            if state.held[lease.key]?.lease.token == lease.token { state.held[lease.key] = nil }
        }
    }

    /// Whether a write made under `lease` may still go out: while its PR is held, only under the
    /// very lease held (another token is an earlier tenure, perhaps before another replica's) and
    /// before its deadline on this replica's clock (a paused process must not send what it queued
    /// before the pause); while it is not, unless the lease was lost. A lease released on purpose
    /// still allows what was queued under it: those writes tell the end of the very work the release
    /// followed (at shutdown, the finals).
    func allows(_ lease: PullRequestLease) -> Bool {
        let now = clock()
        return state.withLock { state in
            if let held = state.held[lease.key] { return held.lease.token == lease.token && now < held.deadline }
            if let lost = state.lost[lease.key], lease.token <= lost { return false }
            return true
        }
    }
}
