import HTTPTransport
import Foundation
import GitHub
import LocalAWSSupport

/// An `issue_comment` delivery built from GitHub's real example payload
/// (`shared/fixtures/github-webhooks/issue_comment/<action>.payload.json`, a comment on a plain
/// issue), with the fields prenv reads rewritten: made a pull request's comment unless `onPullRequest`
/// is false.
public struct IssueCommentPayload: Sendable {
    public var action = "created"
    /// `owner/name`.
    public var repository = "acme/webapp"
    public var number = 7
    public var body = "/prenv redeploy"
    public var login = "alice"
    /// `User`, `Bot` or `Organization`.
    public var userType = "User"
    public var commentID: Int64 = 1_000_001
    /// Adds `issue.pull_request` (links to the PR), as GitHub does for comments on pull requests.
    public var onPullRequest = true
    public var installationID: Int?
    /// `comment.created_at`; now by default (a fresh comment).
    public var createdAt = Date()

    public init(action: String = "created", repository: String = "acme/webapp", number: Int = 7, body: String = "/prenv redeploy",
                login: String = "alice", userType: String = "User", commentID: Int64 = 1_000_001, onPullRequest: Bool = true,
                installationID: Int? = nil, createdAt: Date = Date()) {
        self.createdAt = createdAt
        self.action = action
        self.repository = repository
        self.number = number
        self.body = body
        self.login = login
        self.userType = userType
        self.commentID = commentID
        self.onPullRequest = onPullRequest
        self.installationID = installationID
    }

    public var inboxKey: String { "\(repository)#\(number)" }

    /// The fixture of this action (falling back to `created`'s with the action replaced) rewritten.
    public func json() throws -> Data {
        let fixture = "github-webhooks/issue_comment/\(action).payload.json"
        let exists = FileManager.default.fileExists(atPath: SharedFixtures.root.appendingPathComponent(fixture).path)
        let raw = try SharedFixtures.data(exists ? fixture : "github-webhooks/issue_comment/created.payload.json")
        guard var root = try JSONSerialization.jsonObject(with: raw) as? [String: Any],
              var issue = root["issue"] as? [String: Any],
              var comment = root["comment"] as? [String: Any],
              var repo = root["repository"] as? [String: Any]
        else { throw FixtureShape(description: "\(fixture) is not an issue_comment payload") }
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        let (owner, name) = (parts.first ?? "", parts.count > 1 ? parts[1] : "")

        root["action"] = action
        repo["full_name"] = repository
        repo["name"] = name
        var ownerObject = repo["owner"] as? [String: Any] ?? [:]
        ownerObject["login"] = owner
        repo["owner"] = ownerObject
        root["repository"] = repo

        issue["number"] = number
        if onPullRequest {
            issue["pull_request"] = [
                "url": "https://api.github.com/repos/\(repository)/pulls/\(number)",
                "html_url": "https://github.com/\(repository)/pull/\(number)",
                "diff_url": "https://github.com/\(repository)/pull/\(number).diff",
                "patch_url": "https://github.com/\(repository)/pull/\(number).patch",
            ]
        } else {
            issue["pull_request"] = nil
        }
        root["issue"] = issue

        comment["id"] = commentID
        comment["body"] = body
        var user = comment["user"] as? [String: Any] ?? [:]
        user["login"] = login
        user["type"] = userType
        comment["user"] = user
        comment["created_at"] = ISO8601DateFormatter().string(from: createdAt)
        root["comment"] = comment
        if let installationID { root["installation"] = ["id": installationID] }
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}

extension WebhookFixtures {
    /// A signed `issue_comment` delivery with a JSON body.
    public static func issueComment(_ payload: IssueCommentPayload, signingSecret: String? = secret,
                                    deliveryID: String = UUID().uuidString) throws -> (headers: HTTPHeaders, body: Data) {
        let body = try payload.json()
        return (headers(event: "issue_comment", body: body, signingSecret: signingSecret, deliveryID: deliveryID), body)
    }
}
