import Foundation
import GitHub

/// What `/prenv` commands need from GitHub: who may write (asked), and the reaction and reply that
/// answer a command (sent as `GitHubWrite`s through the `StatusReporter`). A role protocol, so the
/// supervisor's tests can also count what was asked.
public protocol CommandGitHub: Sendable {
    /// The commenter's permission on `owner/name`; throws `GitHubError` (a 404 for a login GitHub
    /// does not know) or what the transport threw.
    func permission(repository: String, user: String) async throws -> GitHubClient.CollaboratorPermission
    func react(repository: String, commentID: Int64, _ reaction: GitHubClient.Reaction) async throws
    func reply(repository: String, issue: Int, body: String) async throws
}

/// `CommandGitHub` over the REST client.
public struct GitHubCommandClient: CommandGitHub {
    let client: GitHubClient

    public init(client: GitHubClient) { self.client = client }

    public func permission(repository: String, user: String) async throws -> GitHubClient.CollaboratorPermission {
        let (owner, name) = try Self.split(repository)
        return try await client.permission(owner: owner, repo: name, user: user)
    }

    public func react(repository: String, commentID: Int64, _ reaction: GitHubClient.Reaction) async throws {
        let (owner, name) = try Self.split(repository)
        try await client.react(owner: owner, repo: name, commentID: commentID, reaction)
    }

    public func reply(repository: String, issue: Int, body: String) async throws {
        let (owner, name) = try Self.split(repository)
        _ = try await client.createComment(owner: owner, repo: name, issue: issue, body: body)
    }

    static func split(_ repository: String) throws(GitHubError) -> (String, String) {
        guard let parsed = PullRequestEvent.Repository(fullName: repository) else {
            throw GitHubError(status: 0, message: "repository \(GitHubClient.printable(repository)) is not OWNER/NAME")
        }
        return (parsed.owner.login, parsed.name)
    }
}
