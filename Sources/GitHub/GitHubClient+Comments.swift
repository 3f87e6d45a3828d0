import Foundation
import HTTPTransport

/// Issue comments (a PR is an issue), reactions, and who may write to a repository: the sticky PR
/// comment and the `/prenv` commands.
extension GitHubClient {
    public struct IssueComment: Sendable, Equatable, Decodable {
        public struct User: Sendable, Equatable, Decodable {
            public var login: String
        }

        public var id: Int64
        public var body: String?
        public var user: User?
        public var htmlURL: String?

        enum CodingKeys: String, CodingKey {
            case id, body, user
            case htmlURL = "html_url"
        }
    }

    private struct CommentBody: Encodable { var body: String }

    /// GitHub refuses a comment body over 65,536 characters with 422.
    public static let maxCommentLength = 65_536

    /// `POST /repos/{owner}/{repo}/issues/{number}/comments` (201).
    public func createComment(owner: String, repo: String, issue: Int, body: String) async throws -> IssueComment {
        let response = try await send(method: "POST", path: ["repos", owner, repo, "issues", String(issue), "comments"],
                                      body: try JSONEncoder().encode(CommentBody(body: body)))
        return try decode(IssueComment.self, from: response, what: "issue comment")
    }

    /// `PATCH /repos/{owner}/{repo}/issues/comments/{id}` (200); a comment deleted meanwhile is a 404.
    public func updateComment(owner: String, repo: String, commentID: Int64, body: String) async throws -> IssueComment {
        let response = try await send(method: "PATCH", path: ["repos", owner, repo, "issues", "comments", String(commentID)],
                                      body: try JSONEncoder().encode(CommentBody(body: body)))
        return try decode(IssueComment.self, from: response, what: "issue comment")
    }

    /// `GET /repos/{owner}/{repo}/issues/{number}/comments?per_page=100&page=N`: one page, oldest first.
    public func comments(owner: String, repo: String, issue: Int, page: Int) async throws -> [IssueComment] {
        var components = URLComponents(url: try url(for: ["repos", owner, repo, "issues", String(issue), "comments"]), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "per_page", value: "100"), URLQueryItem(name: "page", value: String(page))]
        guard let url = components?.url else { throw GitHubError(status: 0, message: "cannot build the comments URL") }
        let response = try await send(request(method: "GET", url: url, body: Data()))
        return try decode([IssueComment].self, from: response, what: "issue comments page")
    }

    /// A reaction's `content` as GitHub names it.
    public enum Reaction: String, Sendable, Encodable, CaseIterable {
        case plusOne = "+1", minusOne = "-1", laugh, confused, heart, hooray, rocket, eyes
    }

    private struct ReactionBody: Encodable { var content: Reaction }

    /// `POST /repos/{owner}/{repo}/issues/comments/{id}/reactions` (201, or 200 when it already exists).
    public func react(owner: String, repo: String, commentID: Int64, _ reaction: Reaction) async throws {
        _ = try await send(method: "POST", path: ["repos", owner, repo, "issues", "comments", String(commentID), "reactions"],
                           body: try JSONEncoder().encode(ReactionBody(content: reaction)))
    }

    /// A user's permission on a repository: `admin`, `maintain`, `write`, `triage`, `read` or `none`.
    public struct CollaboratorPermission: Sendable, Equatable, Decodable {
        public var permission: String
        /// Finer than `permission` (`maintain`, `triage`, custom roles); absent on older servers.
        public var roleName: String?

        enum CodingKeys: String, CodingKey {
            case permission
            case roleName = "role_name"
        }

        /// Whether the user may push: what `/prenv` commands require.
        public var canWrite: Bool {
            ["admin", "maintain", "write"].contains(permission.lowercased()) || ["admin", "maintain", "write"].contains(roleName?.lowercased() ?? "")
        }
    }

    /// `GET /repos/{owner}/{repo}/collaborators/{username}/permission`; GitHub answers 404 for a
    /// user who is not a collaborator on some servers, which callers treat as no permission.
    public func permission(owner: String, repo: String, user: String) async throws -> CollaboratorPermission {
        let response = try await send(method: "GET", path: ["repos", owner, repo, "collaborators", user, "permission"], body: Data())
        return try decode(CollaboratorPermission.self, from: response, what: "collaborator permission")
    }
}
