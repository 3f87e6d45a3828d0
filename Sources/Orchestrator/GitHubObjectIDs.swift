/// The ids of what prenv made on GitHub for an environment, kept with its state so a restart (or a
/// second replica) continues the same objects instead of making new ones: the deployment of each
/// head commit (GitHub's "View deployment" button follows the latest) and the PR's sticky comment.
///
/// Kept apart from `EnvironmentRecord`: a destroyed environment's record goes, but its comment and
/// its last deployment must still be found (to say "destroyed", to mark the deployment inactive, to
/// edit the same comment if the PR is reopened).

/// One deployment prenv created: `ref` = `sha`, GitHub's `id`.
public struct StoredDeployment: Sendable, Hashable, Codable {
    public var sha: String
    public var id: Int64

    public init(sha: String, id: Int64) {
        self.sha = sha
        self.id = id
    }
}

/// The environment's sticky PR comment: its id, and the login that wrote it (prenv's own, as GitHub
/// reported it when prenv created the comment), so a comment found again by its marker is edited
/// only when prenv wrote it.
public struct StoredComment: Sendable, Hashable, Codable {
    public var id: Int64
    public var author: String?

    public init(id: Int64, author: String?) {
        self.id = id
        self.author = author
    }
}

extension StoredDeployment {
    /// Deployments remembered per environment; older ones are forgotten (a PR pushed a hundred times
    /// keeps a bounded history). Only the latest matters for `inactive`, and a push's own for its
    /// statuses: twenty covers any push whose writes can still be in flight.
    public static let keptPerEnvironment = 20
}
