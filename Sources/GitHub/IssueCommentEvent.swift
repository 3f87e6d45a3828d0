import Foundation

/// An `issue_comment` webhook payload, reduced to what `/prenv` commands need: which comment (its id
/// for the reaction, its body for the command, its author for the permission check), on which issue
/// (a pull request is an issue; `issue.pull_request` says which are), in which repository. Unknown
/// fields are ignored so GitHub can add fields without breaking intake.
public struct IssueCommentEvent: Decodable, Sendable, Equatable {
    /// `created`, `edited` or `deleted`.
    public var action: String
    public var issue: Issue
    public var comment: Comment
    public var repository: PullRequestEvent.Repository
    /// Present when delivered to a GitHub App; needed to mint an installation token.
    public var installation: PullRequestEvent.Installation?

    public struct Issue: Decodable, Sendable, Equatable {
        public var number: Int
        /// Present (an object of links) only when the issue is a pull request.
        public var pullRequest: PullRequestLink?

        enum CodingKeys: String, CodingKey {
            case number
            case pullRequest = "pull_request"
        }
    }

    /// `issue.pull_request`: only its presence matters; its URLs are not followed.
    public struct PullRequestLink: Decodable, Sendable, Equatable {
        public var url: String?
    }

    public struct Comment: Decodable, Sendable, Equatable {
        public var id: Int64
        public var body: String
        public var user: User
        /// When GitHub says the comment was written (`created_at`): a signed payload replayed long
        /// after the fact carries its old date, which is how intake refuses it (see `isStale`).
        public var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case id, body, user
            case createdAt = "created_at"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(Int64.self, forKey: .id)
            body = try container.decode(String.self, forKey: .body)
            user = try container.decode(User.self, forKey: .user)
            let text = try container.decode(String.self, forKey: .createdAt)
            guard let date = try? Date(text, strategy: .iso8601) else {
                throw DecodingError.dataCorruptedError(forKey: .createdAt, in: container, debugDescription: "expected an ISO 8601 date")
            }
            createdAt = date
        }
    }

    /// How old a comment may be when it arrives (or, at the worker, when it was recorded) for its
    /// command to run: GitHub delivers within seconds; anything older is a replay or a redelivery
    /// long after the fact, and the inbox forgets comment ids after its retention.
    public static let maxCommandAge: TimeInterval = 3_600

    /// Why a comment received (or recorded) at `date` is too old to act on, or nil. A comment dated
    /// after `date` (clocks differ a little) is not stale.
    public func staleReason(at date: Date, maxAge: TimeInterval = maxCommandAge) -> String? {
        let age = date.timeIntervalSince(comment.createdAt)
        guard age > maxAge else { return nil }
        return "comment was written \(Int(age / 60)) minutes before it arrived; prenv acts only on comments "
            + "at most \(Int(maxAge / 60)) minutes old (a replayed or late delivery)"
    }

    public struct User: Decodable, Sendable, Equatable {
        public var login: String
        /// `User`, `Bot` or `Organization`.
        public var type: String

        public init(login: String, type: String) {
            self.login = login
            self.type = type
        }
    }

    /// Whether the comment was made on a pull request rather than a plain issue.
    public var isOnPullRequest: Bool { issue.pullRequest != nil }

    /// Whether a bot wrote it (prenv's own replies included): GitHub marks App and machine accounts
    /// `type: Bot` and Apps' logins end in `[bot]`. Bots never command prenv, so two bots (or prenv
    /// and itself) can never answer each other in a loop.
    public var isByBot: Bool {
        comment.user.type.caseInsensitiveCompare("Bot") == .orderedSame || comment.user.login.lowercased().hasSuffix("[bot]")
    }

    /// Decodes a raw body, turning decoding failures into `WebhookPayloadError` naming the JSON path.
    public static func decode(from body: Data) throws(WebhookPayloadError) -> IssueCommentEvent {
        try WebhookPayloadError.decoding(IssueCommentEvent.self, from: body)
    }
}
