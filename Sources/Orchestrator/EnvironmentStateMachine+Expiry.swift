import Blueprint
import Foundation

/// Expiry (`expire:`): an environment whose head was pushed longer ago than `after` is destroyed at
/// a periodic check, unless the PR carries a keep label. It stays expired, saved with the machine,
/// until a push (a head other than the one it expired at) or a keep label brings it back; other
/// label changes, edits and redeliveries change nothing.
///
/// The rule arrives with the periodic check, not with each webhook's `Decision`: expiry is a matter
/// of time, and time only enters the machine through that check. The rule is read from the
/// blueprint at every check, so a changed `after` applies to every environment at the next pass,
/// and `Decision` keeps meaning one thing (whether the blueprint applies to the PR). The keep labels
/// that could bring an expired environment back are saved with the expiration, because the label
/// event that revives it comes without the rule.
extension EnvironmentStateMachine {
    /// An expired environment: the head it expired at and the labels that bring it back.
    public struct Expiration: Sendable, Hashable, Codable {
        public var sha: String
        public var keepLabels: [String]

        public init(sha: String, keepLabels: [String]) {
            self.sha = sha
            self.keepLabels = keepLabels
        }
    }

    /// Whether the machine is expired (its environment destroyed or being destroyed for want of a push).
    public var isExpired: Bool { expiration != nil }

    /// Remembers the PR's labels and, for a head not seen before, when it was pushed; fresh events
    /// only, so a late delivery of an old push does not make a stale environment look recent.
    mutating func notePullRequest(_ pr: PRSnapshot) {
        guard isFresh(pr.sequence) else { return }
        labels = pr.labels
        isFork = pr.isFork
        if pr.headSHA != pushedHead {
            pushedHead = pr.headSHA
            pushedAt = pr.updatedAt
        }
    }

    /// At a periodic check: expires an open PR's wanted environment (ready, failed, or waiting for
    /// a slot) whose head is older than `rule.after`. A running operation is left to finish; the
    /// next check decides.
    mutating func expireIfDue(now: Date, rule: Expiry?) -> [Action] {
        guard let rule, expiration == nil, !keptByCommand, !isClosed, running == nil, case .present = desired,
              let pushedHead, let pushedAt else { return [] }
        guard !rule.keeps(labels: labels), now.timeIntervalSince(pushedAt) >= rule.after else { return [] }
        expiration = Expiration(sha: pushedHead, keepLabels: rule.keepLabels)
        return set(.absent(reason: rule.reason))
    }

    /// While expired: nil (and no longer expired) when the PR now has a new head or a keep label;
    /// otherwise the answer that nothing changes.
    mutating func staysExpired() -> [Action]? {
        guard let expiration else { return nil }
        let keep = Expiry(after: 0, written: "", keepLabels: expiration.keepLabels)
        guard pushedHead == expiration.sha, !keep.keeps(labels: labels) else {
            self.expiration = nil
            return nil
        }
        return [.ignore(reason: "expired: waiting for a push or a keep label")]
    }
}
