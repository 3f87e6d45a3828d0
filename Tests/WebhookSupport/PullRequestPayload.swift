import HTTPTransport
import Foundation
import GitHub
import LocalAWSSupport

/// A `pull_request` delivery built from one of GitHub's real example payloads
/// (`shared/fixtures/github-webhooks/pull_request/<action>.payload.json`), with the fields prenv
/// reads rewritten to what a test needs.
public struct PullRequestPayload: Sendable {
    public var action = "opened"
    /// `owner/name`.
    public var repository = "acme/webapp"
    public var number = 7
    public var headSHA = String(repeating: "a", count: 40)
    public var headRef = "feature/login"
    public var baseRef = "main"
    /// The head lives in another repository (`contributor/<name>`, `fork: true`).
    public var fromFork = false
    public var labels: [String] = []
    /// The label a `labeled` / `unlabeled` event names; defaults to the last of `labels` (or `bug`).
    public var changedLabel: String?
    /// `pull_request.updated_at`, verbatim (use `WebhookFixtures.timestamp` for a valid one).
    public var updatedAt = WebhookFixtures.timestamp(0)
    /// `pull_request.user.login`; nil keeps the fixture's.
    public var author: String?
    /// `repository.default_branch` (the fixture says `master`).
    public var defaultBranch = "main"

    public init(
        action: String = "opened", repository: String = "acme/webapp", number: Int = 7, headSHA: String = String(repeating: "a", count: 40),
        headRef: String = "feature/login", baseRef: String = "main", fromFork: Bool = false, labels: [String] = [],
        changedLabel: String? = nil, updatedAt: String = WebhookFixtures.timestamp(0)
    ) {
        self.action = action
        self.repository = repository
        self.number = number
        self.headSHA = headSHA
        self.headRef = headRef
        self.baseRef = baseRef
        self.fromFork = fromFork
        self.labels = labels
        self.changedLabel = changedLabel
        self.updatedAt = updatedAt
    }

    public var owner: String { String(repository.split(separator: "/", maxSplits: 1).first ?? "") }
    public var name: String { String(repository.split(separator: "/", maxSplits: 1).last ?? "") }
    /// The intake / inbox key of the PR.
    public var inboxKey: String { "\(repository)#\(number)" }

    /// The fixture of this action (falling back to `opened`'s with the action replaced) rewritten.
    public func json() throws -> Data {
        let fixture = "github-webhooks/pull_request/\(action).payload.json"
        let fallback = "github-webhooks/pull_request/opened.payload.json"
        let exists = FileManager.default.fileExists(atPath: SharedFixtures.root.appendingPathComponent(fixture).path)
        let raw = try SharedFixtures.data(exists ? fixture : fallback)
        guard var root = try JSONSerialization.jsonObject(with: raw) as? [String: Any],
              var pullRequest = root["pull_request"] as? [String: Any],
              var repo = root["repository"] as? [String: Any],
              var head = pullRequest["head"] as? [String: Any],
              var base = pullRequest["base"] as? [String: Any]
        else { throw FixtureShape(description: "\(fixture) is not a pull_request payload") }

        root["action"] = action
        root["number"] = number
        pullRequest["number"] = number

        repo = Self.rewrite(repository: repo, owner: owner, name: name, fork: false)
        repo["default_branch"] = defaultBranch
        root["repository"] = repo

        var baseRepo = base["repo"] as? [String: Any] ?? repo
        baseRepo = Self.rewrite(repository: baseRepo, owner: owner, name: name, fork: false)
        base["repo"] = baseRepo
        base["ref"] = baseRef
        base["label"] = "\(owner):\(baseRef)"
        pullRequest["base"] = base

        let headOwner = fromFork ? "contributor" : owner
        var headRepo = head["repo"] as? [String: Any] ?? repo
        headRepo = Self.rewrite(repository: headRepo, owner: headOwner, name: name, fork: fromFork)
        head["repo"] = headRepo
        head["sha"] = headSHA
        head["ref"] = headRef
        head["label"] = "\(headOwner):\(headRef)"
        pullRequest["head"] = head

        pullRequest["labels"] = labels.enumerated().map { Self.label($1, id: 9000 + $0, repository: repository) }
        pullRequest["updated_at"] = updatedAt
        if let author {
            var user = pullRequest["user"] as? [String: Any] ?? [:]
            user["login"] = author
            pullRequest["user"] = user
        }
        if action == "labeled" || action == "unlabeled" {
            root["label"] = Self.label(changedLabel ?? labels.last ?? "bug", id: 8999, repository: repository)
        }
        root["pull_request"] = pullRequest
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    private static func rewrite(repository: [String: Any], owner: String, name: String, fork: Bool) -> [String: Any] {
        var repository = repository
        repository["full_name"] = "\(owner)/\(name)"
        repository["name"] = name
        repository["fork"] = fork
        var ownerObject = repository["owner"] as? [String: Any] ?? [:]
        ownerObject["login"] = owner
        repository["owner"] = ownerObject
        return repository
    }

    private static func label(_ name: String, id: Int, repository: String) -> [String: Any] {
        ["id": id, "node_id": "LA_\(id)", "url": "https://api.github.com/repos/\(repository)/labels/\(name)", "name": name,
         "color": "ededed", "default": false, "description": NSNull()]
    }
}

/// Signed deliveries, as GitHub sends them.
public enum WebhookFixtures {
    public static let secret = "It's a Secret to Everybody (prenv tests)"

    /// An ISO 8601 `updated_at`, `seconds` after a fixed instant: later events get larger values.
    public static func timestamp(_ seconds: Int) -> String {
        Date(timeIntervalSince1970: 1_714_557_600 + TimeInterval(seconds)).formatted(.iso8601)
    }

    /// Headers for `body`: the event, a delivery id, the signature (over exactly `body`, with
    /// `signingSecret`; none when nil) and the content type.
    public static func headers(event: String = "pull_request", body: Data, signingSecret: String? = secret,
                        deliveryID: String = UUID().uuidString, contentType: String = "application/json") -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers["X-GitHub-Event"] = event
        headers["X-GitHub-Delivery"] = deliveryID
        if let signingSecret {
            headers[WebhookSignature.headerName] = WebhookSignature.sign(body: body, secret: Data(signingSecret.utf8))
        }
        headers["Content-Type"] = contentType
        return headers
    }

    /// A signed `pull_request` delivery with a JSON body.
    public static func pullRequest(_ payload: PullRequestPayload, signingSecret: String? = secret,
                            deliveryID: String = UUID().uuidString) throws -> (headers: HTTPHeaders, body: Data) {
        let body = try payload.json()
        return (headers(body: body, signingSecret: signingSecret, deliveryID: deliveryID), body)
    }

    /// A signed delivery of another event, with one of GitHub's example bodies, e.g. `ping/payload.json`.
    public static func event(_ event: String, fixture: String, deliveryID: String = UUID().uuidString) throws -> (headers: HTTPHeaders, body: Data) {
        let body = try SharedFixtures.data("github-webhooks/\(fixture)")
        return (headers(event: event, body: body, deliveryID: deliveryID), body)
    }

    /// `payload=<percent-encoded json>`, as a webhook configured for `application/x-www-form-urlencoded` sends it.
    public static func formEncoded(_ json: Data) -> Data {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let text = String(decoding: json, as: UTF8.self)
        return Data(("payload=" + (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")).utf8)
    }
}

struct FixtureShape: Error, CustomStringConvertible {
    var description: String
}
