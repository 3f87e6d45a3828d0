import Foundation

/// A `pull_request` webhook payload, reduced to what prenv acts on: which PR, which commit,
/// whether it is open, merged or from a fork, and its labels. Unknown fields are ignored so
/// GitHub can add fields without breaking intake.
public struct PullRequestEvent: Decodable, Sendable, Equatable {
    public var action: String
    public var number: Int
    public var pullRequest: PullRequest
    public var repository: Repository
    /// The label added or removed, present for `labeled` / `unlabeled` only.
    public var label: Label?
    /// Present when delivered to a GitHub App; needed to mint an installation token.
    public var installation: Installation?

    enum CodingKeys: String, CodingKey {
        case action, number, repository, label, installation
        case pullRequest = "pull_request"
    }

    /// An event prenv synthesises itself, e.g. when the reconciler finds a PR closed whose
    /// `closed` webhook never arrived (GitHub does not retry failed deliveries).
    public init(action: String, pullRequest: PullRequest, repository: Repository) {
        self.action = action
        self.number = pullRequest.number
        self.pullRequest = pullRequest
        self.repository = repository
    }

    public struct PullRequest: Decodable, Sendable, Equatable {
        public var number: Int
        /// `open` or `closed`.
        public var state: String
        /// Null in some payloads while GitHub computes it; treated as false.
        public var merged: Bool?
        public var head: Head
        public var base: Base
        public var user: User
        public var labels: [Label]
        public var updatedAt: String

        enum CodingKeys: String, CodingKey {
            case number, state, merged, head, base, user, labels
            case updatedAt = "updated_at"
        }
    }

    public struct Head: Decodable, Sendable, Equatable {
        public var sha: String
        public var ref: String
        /// Null when the fork was deleted after the PR was opened.
        public var repo: HeadRepository?
    }

    public struct HeadRepository: Decodable, Sendable, Equatable {
        public var fullName: String
        public var fork: Bool
        enum CodingKeys: String, CodingKey {
            case fork
            case fullName = "full_name"
        }
    }

    public struct Base: Decodable, Sendable, Equatable {
        public var ref: String
        public var repo: BaseRepository
    }

    public struct BaseRepository: Decodable, Sendable, Equatable {
        public var fullName: String
        enum CodingKeys: String, CodingKey { case fullName = "full_name" }
    }

    public struct Repository: Decodable, Sendable, Equatable {
        public var fullName: String
        public var owner: User
        public var name: String

        /// From `OWNER/NAME`; nil when it is not of that form.
        public init?(fullName: String) {
            let parts = fullName.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            self.fullName = fullName
            self.owner = User(login: parts[0])
            self.name = parts[1]
        }
        enum CodingKeys: String, CodingKey {
            case owner, name
            case fullName = "full_name"
        }
    }

    public struct User: Decodable, Sendable, Equatable {
        public var login: String

        public init(login: String) { self.login = login }
    }

    public struct Label: Decodable, Sendable, Equatable {
        public var name: String
    }

    public struct Installation: Decodable, Sendable, Equatable {
        public var id: Int
    }

    /// True when the head lives in another repository (a fork), or the fork is gone:
    /// such PRs must not get secrets, so prenv needs to tell them apart.
    public var isFromFork: Bool {
        guard let headRepo = pullRequest.head.repo else { return true }
        return headRepo.fullName != repository.fullName
    }

    /// Decodes a raw body, turning decoding failures into `WebhookPayloadError` naming the JSON path.
    public static func decode(from body: Data) throws(WebhookPayloadError) -> PullRequestEvent {
        try WebhookPayloadError.decoding(PullRequestEvent.self, from: body)
    }
}
