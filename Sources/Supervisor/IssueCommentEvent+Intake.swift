import Crypto
import Foundation
import GitHub

extension IssueCommentEvent {
    /// The PR's inbox key, the same as its `pull_request` events' (`acme/webapp#5`), so the per-PR
    /// worker orders a command after the pushes that came before it.
    public var inboxKey: String { "\(repository.fullName)#\(issue.number)" }

    /// The command the comment holds, if any.
    public var command: PrenvCommand? { PrenvCommand.parse(comment.body) }

    /// Why intake does not record this comment, or nil when it holds a command worth recording.
    ///
    /// Only `created` comments count. An `edited` comment must never run a command: anyone who can
    /// edit an old comment (its author, or a maintainer tidying up) would replay the command it holds
    /// long after the fact and out of order with the pushes since, and an edit that merely fixes a
    /// typo elsewhere in the comment would run it a second time. `deleted` carries nothing to do.
    public var ignoredReason: String? {
        guard action == "created" else { return "prenv acts on created comments only, not \(action) ones" }
        guard isOnPullRequest else { return "comment is on an issue, not a pull request" }
        guard !isByBot else { return "comment is by a bot" }
        guard command != nil else { return "comment holds no /prenv command" }
        return nil
    }

    /// What this delivery says, as a SHA-256 hex digest: GitHub gives every comment its own id, so a
    /// signed body replayed under a fresh `X-GitHub-Delivery` has the same key and is recorded once.
    public func contentKey(event: String) -> String {
        let parts: [Any] = [event, action, repository.fullName, issue.number, comment.id]
        let encoded = (try? JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys])) ?? Data("\(parts)".utf8)
        return SHA256.hash(data: encoded).map { String(format: "%02x", $0) }.joined()
    }
}
