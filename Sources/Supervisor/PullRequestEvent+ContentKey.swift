import Crypto
import Foundation
import GitHub

extension PullRequestEvent {
    /// What this delivery says, as a SHA-256 hex digest: the inbox records one delivery per content,
    /// so a signed body replayed under a fresh `X-GitHub-Delivery` (which the HMAC does not cover)
    /// is a duplicate, applied once.
    ///
    /// The fields are what tells two real events apart, so distinct events are never merged:
    /// - event, action, repository, PR number, head SHA and `updated_at` (the minimum);
    /// - state and base branch, and the PR's labels, sorted;
    /// - for `labeled` / `unlabeled`, the label named (adding A and adding B in one second differ);
    /// - `changes` when present (`edited`: a title edit and a base change in one second differ).
    /// Two deliveries equal in all of these carry the same instructions for prenv, so merging them
    /// loses nothing. A label added, removed and added again within one second yields the first and
    /// third with one key: the `unlabeled` between has a different one, the machine sees the labels
    /// disagree within the second and asks GitHub (`EnvironmentStateMachine+Ties`).
    ///
    /// The parts are encoded as one JSON array (labels nested), so no value (a branch or label name)
    /// can shift another's boundary.
    public func contentKey(event: String, payload: Data) -> String {
        let parts: [Any] = [
            event, action, repository.fullName, number, pullRequest.head.sha, pullRequest.updatedAt,
            pullRequest.state, pullRequest.base.ref, labelNames.sorted(), label?.name ?? NSNull(), Self.changes(in: payload),
        ]
        // Strings, numbers and arrays always serialise; the fallback only keeps the signature total.
        let encoded = (try? JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys]))
            ?? Data("\(parts)".utf8)
        return SHA256.hash(data: encoded).map { String(format: "%02x", $0) }.joined()
    }

    /// The payload's `changes` object with sorted keys, or "" when absent or unreadable.
    private static func changes(in payload: Data) -> String {
        guard let root = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
              let changes = root["changes"],
              let data = try? JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys, .fragmentsAllowed])
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}
