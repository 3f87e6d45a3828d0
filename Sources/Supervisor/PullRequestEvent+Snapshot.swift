import Blueprint
import Foundation
import GitHub
import Orchestrator

extension PullRequestEvent {
    /// The `pull_request` actions prenv acts on; every other action is answered "ignored".
    /// `edited` is how a change of base branch arrives, which can select or deselect a blueprint.
    public static let actedOn: Set<String> = ["opened", "reopened", "synchronize", "closed", "labeled", "unlabeled", "edited"]

    /// The inbox key: events of one PR are processed one at a time, in arrival order.
    public var inboxKey: String { "\(repository.fullName)#\(number)" }

    /// `pull_request.updated_at` in epoch milliseconds: the order GitHub produced the events in,
    /// which the state machine uses to ignore a late delivery of an older event.
    public var sequence: Int? {
        guard let date = try? Date(pullRequest.updatedAt, strategy: .iso8601) else { return nil }
        return Int((date.timeIntervalSince1970 * 1000).rounded())
    }

    public var labelNames: [String] { pullRequest.labels.map(\.name) }

    public func snapshot(sequence: Int) -> PRSnapshot {
        PRSnapshot(repository: repository.fullName, headSHA: pullRequest.head.sha, labels: labelNames,
                   isFork: isFromFork, baseBranch: pullRequest.base.ref, sequence: sequence)
    }

    public var context: PRContext {
        PRContext(owner: repository.owner.login, repository: repository.name, number: number,
                  headSHA: pullRequest.head.sha, headRef: pullRequest.head.ref, baseRef: pullRequest.base.ref,
                  author: pullRequest.user.login, fromFork: isFromFork,
                  defaultBranch: repository.defaultBranch)
    }

    /// The state-machine event for this delivery, or nil for an action prenv does not act on.
    public func machineEvent(sequence: Int, decision: Decision) -> EnvironmentStateMachine.Event? {
        let pr = snapshot(sequence: sequence)
        switch action {
        case "opened": return .opened(pr, decision)
        case "reopened": return .reopened(pr, decision)
        case "synchronize", "edited": return .synchronize(pr, decision)
        case "labeled": return .labeled(pr, decision)
        case "unlabeled": return .unlabeled(pr, decision)
        case "closed": return .closed(sequence: sequence)
        default: return nil
        }
    }
}
