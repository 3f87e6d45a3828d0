import Foundation
import Orchestrator

/// Which lease a GitHub write about a pull request was asked for under, and how to tell, right
/// before it is sent, whether this replica still holds it. Writes are queued (`StatusReporter`) and
/// may wait minutes for GitHub's budget; a replica that lost the PR meanwhile must not post over
/// what the new owner says. Task-local like `WriteFence`, so every write asked for in the
/// supervisor's scope for the PR (the narrator's statuses, the presence's deployment and comment,
/// command replies) carries it without threading a parameter through each; `GitHubWrite` picks it
/// up when made.
///
/// A class: every write asked for in one scope holds a reference to the one the scope made
/// (8 bytes), not a copy of the lease and its closure (64 bytes inline) in each queued write.
public final class WriteOwnership: Sendable {
    public let lease: PullRequestLease
    /// Asked by the sender right before `perform`: false drops the write (`WriteQueue.DropReason.leaseLost`).
    public let isHeld: @Sendable () -> Bool

    public init(lease: PullRequestLease, isHeld: @escaping @Sendable () -> Bool) {
        self.lease = lease
        self.isHeld = isHeld
    }

    @TaskLocal public static var current: WriteOwnership?
}
