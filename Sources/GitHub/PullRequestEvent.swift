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
    /// What an `edited` event changed (title, body, base), as sent; only compared, never acted on.
    public var changes: WebhookJSONValue?

    enum CodingKeys: String, CodingKey {
        case action, number, repository, label, installation, changes
        case pullRequest = "pull_request"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(String.self, forKey: .action)
        number = try container.decode(Int.self, forKey: .number)
        pullRequest = try container.decode(PullRequest.self, forKey: .pullRequest)
        repository = try container.decode(Repository.self, forKey: .repository)
        label = try container.decodeIfPresent(Label.self, forKey: .label)
        installation = try container.decodeIfPresent(Installation.self, forKey: .installation)
        // Only compared, so never a reason to refuse an event: unreadable (a number past Double's
        // range, say) counts as absent. `null` is kept as such: the content key has always told it apart.
        if container.contains(.changes) {
            changes = (try? container.decodeNil(forKey: .changes)) == true ? .null : try? container.decode(WebhookJSONValue.self, forKey: .changes)
        }
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
        /// `default_branch`: where repository blueprints are read from unless the operator lists
        /// other base branches. Optional: not every payload carries it.
        public var defaultBranch: String?

        /// From `OWNER/NAME`; nil when it is not of that form.
        public init?(fullName: String) {
            let parts = fullName.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            self.fullName = fullName
            self.owner = User(login: parts[0])
            self.name = parts[1]
        }

        init(fullName: String, owner: User, name: String, defaultBranch: String?) {
            self.fullName = fullName
            self.owner = owner
            self.name = name
            self.defaultBranch = defaultBranch
        }
        enum CodingKeys: String, CodingKey {
            case owner, name
            case fullName = "full_name"
            case defaultBranch = "default_branch"
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
    /// Read in one pass when the payload is plain (`readFast`), else by `JSONDecoder`, whose errors stand.
    public static func decode(from body: Data) throws(WebhookPayloadError) -> PullRequestEvent {
        if let event = readFast(body) { return event }
        return try decodeByJSONDecoder(from: body)
    }

    /// `JSONDecoder` alone: the reference `decode`'s fast path is checked against (tests, fuzzing).
    public static func decodeByJSONDecoder(from body: Data) throws(WebhookPayloadError) -> PullRequestEvent {
        try WebhookPayloadError.decoding(PullRequestEvent.self, from: body)
    }
}

/// A payload that could not be read, with the JSON path (`pull_request.head.sha`) so a log line
/// says which field GitHub (or a test) got wrong instead of Foundation's nested context dump.
public struct WebhookPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path with `[i]` for array indexes; empty for the document root.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? "invalid webhook payload: \(reason)" : "invalid webhook payload at \(path): \(reason)"
    }

    static func decoding<T: Decodable>(_ type: T.Type, from body: Data) throws(WebhookPayloadError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let error as DecodingError {
            throw WebhookPayloadError(error)
        } catch {
            throw WebhookPayloadError(path: "", reason: String(describing: error))
        }
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: Self.render(context.codingPath + [key]), reason: "required field is missing")
        case .typeMismatch(let type, let context):
            self.init(path: Self.render(context.codingPath), reason: "expected \(type)")
        case .valueNotFound(let type, let context):
            self.init(path: Self.render(context.codingPath), reason: "expected \(type), found null")
        case .dataCorrupted(let context):
            self.init(path: Self.render(context.codingPath), reason: Self.corruptReason(context))
        @unknown default:
            self.init(path: "", reason: String(describing: error))
        }
    }

    private static func corruptReason(_ context: DecodingError.Context) -> String {
        guard context.codingPath.isEmpty else { return context.debugDescription }
        let detail = context.underlyingError.map { String(describing: $0) } ?? context.debugDescription
        return "not valid JSON (\(detail))"
    }

    static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}
