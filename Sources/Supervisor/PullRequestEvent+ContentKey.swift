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
    public func contentKey(event: String) -> String {
        // The JSON array [event, action, repository, number, head SHA, updated_at, state, base,
        // [labels], label or null, changes], as `JSONSerialization` wrote it before (`JSONText`).
        var parts = "["
        for text in [event, action, repository.fullName] {
            JSONText.appendString(text, to: &parts)
            parts.append(",")
        }
        parts.append(String(number))
        for text in [pullRequest.head.sha, pullRequest.updatedAt, pullRequest.state, pullRequest.base.ref] {
            parts.append(",")
            JSONText.appendString(text, to: &parts)
        }
        parts.append(",")
        JSONText.appendArray(labelNames.sorted(), to: &parts)
        parts.append(",")
        if let name = label?.name { JSONText.appendString(name, to: &parts) } else { parts.append("null") }
        parts.append(",")
        JSONText.appendString(changesText, to: &parts)
        parts.append("]")
        return Self.hex(SHA256.hash(data: Data(parts.utf8)))
    }

    /// The payload's `changes` with sorted keys, or "" when absent. As `JSONSerialization` wrote it
    /// when it parsed the whole payload, except in what GitHub never sends there (its `changes` hold
    /// strings): integers past `Int`, decimals past `Double`'s precision and a key named twice are
    /// now read by `JSONDecoder`, so a replay of such a delivery recorded before this version is not
    /// recognised by content (still by its delivery id).
    private var changesText: String {
        guard let changes,
              let data = try? JSONSerialization.data(withJSONObject: changes.foundationObject, options: [.sortedKeys, .fragmentsAllowed])
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Lower-case hex, without a formatted string per byte (this runs once per delivery).
    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: SHA256.Digest.byteCount * 2) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = digits[Int(byte >> 4)]
                buffer[index + 1] = digits[Int(byte & 0x0f)]
                index += 2
            }
            return index
        }
    }
}
