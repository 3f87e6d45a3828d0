import Foundation

/// A `push` webhook payload, reduced to what refreshing repository blueprints needs: which branch
/// of which repository moved, from which commit to which. Unknown fields (the commits, the pusher)
/// are ignored; they are large and prenv has no use for them.
public struct PushEvent: Decodable, Sendable, Equatable {
    /// `refs/heads/<branch>` for a branch, `refs/tags/<tag>` for a tag.
    public var ref: String
    /// The commit the ref pointed at before the push; 40 zeros when the ref was created.
    public var before: String
    /// The commit it points at now; 40 zeros when the ref was deleted.
    public var after: String
    public var deleted: Bool?
    public var repository: PullRequestEvent.Repository
    /// Present when delivered to a GitHub App.
    public var installation: PullRequestEvent.Installation?

    /// The branch a push moved, or nil for a tag, a deleted branch or a ref that is not
    /// `refs/heads/…`.
    public var movedBranch: String? {
        guard ref.hasPrefix("refs/heads/"), deleted != true, !Self.isZero(after) else { return nil }
        let branch = String(ref.dropFirst("refs/heads/".count))
        return branch.isEmpty ? nil : branch
    }

    /// `before` when the branch existed before the push (not created by it).
    public var previousCommit: String? { Self.isZero(before) ? nil : before }

    static func isZero(_ sha: String) -> Bool { sha.allSatisfy { $0 == "0" } }

    public static func decode(from body: Data) throws(WebhookPayloadError) -> PushEvent {
        try WebhookPayloadError.decoding(PushEvent.self, from: body)
    }
}
