import Foundation
import GitHub
import LocalAWSSupport

/// A signed `pull_request` delivery built from GitHub's real payloads (octokit's recorded examples in
/// ../shared/fixtures/github-webhooks): the example for the action, rewritten to name this test's
/// repository, PR, head commit, branch, labels and `updated_at`, then signed as GitHub signs.
public struct PullRequestDelivery: Sendable {
    public var action: String
    public var repository = "acme/webapp"
    public var number: Int
    public var sha: String
    public var headRef = "feature/login"
    public var baseRef = "main"
    public var labels: [String] = []
    /// The fork's owner when the PR comes from a fork.
    public var forkOwner: String?
    /// `pull_request.updated_at`, ISO 8601 in whole seconds as GitHub writes it.
    public var updatedAt: String
    public var deliveryID = UUID().uuidString

    public init(action: String, number: Int, sha: String, updatedAt: Date, repository: String = "acme/webapp") {
        self.action = action
        self.number = number
        self.sha = sha
        self.updatedAt = Self.timestamp(updatedAt)
        self.repository = repository
    }

    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The JSON body.
    public func body() throws -> Data {
        let example = try SharedFixtures.data("github-webhooks/pull_request/\(action).payload.json")
        guard var payload = try JSONSerialization.jsonObject(with: example) as? [String: Any],
              var pr = payload["pull_request"] as? [String: Any],
              var repo = payload["repository"] as? [String: Any],
              var owner = repo["owner"] as? [String: Any],
              var head = pr["head"] as? [String: Any], var headRepo = head["repo"] as? [String: Any],
              var base = pr["base"] as? [String: Any], var baseRepo = base["repo"] as? [String: Any]
        else { throw FixtureShape(action: action) }
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        payload["number"] = number
        pr["number"] = number
        repo["full_name"] = repository
        repo["name"] = parts.last
        owner["login"] = parts.first
        repo["owner"] = owner
        baseRepo["full_name"] = repository
        base["repo"] = baseRepo
        base["ref"] = baseRef
        head["sha"] = sha
        head["ref"] = headRef
        headRepo["full_name"] = forkOwner.map { "\($0)/\(parts.last ?? "")" } ?? repository
        headRepo["fork"] = forkOwner != nil
        head["repo"] = headRepo
        pr["head"] = head
        pr["base"] = base
        pr["labels"] = labels.map { ["name": $0] }
        pr["state"] = action == "closed" ? "closed" : "open"
        pr["updated_at"] = updatedAt
        if payload["label"] != nil, let last = labels.last { payload["label"] = ["name": last] }
        payload["pull_request"] = pr
        payload["repository"] = repo
        return try JSONSerialization.data(withJSONObject: payload)
    }

    /// The headers GitHub sends, with `X-Hub-Signature-256` over `body` and `secret`.
    public func headers(body: Data, secret: String, event: String = "pull_request") -> [String: String] {
        [
            "Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/test", "X-GitHub-Event": event,
            "X-GitHub-Delivery": deliveryID, "X-Hub-Signature-256": WebhookSignature.sign(body: body, secret: Data(secret.utf8)),
        ]
    }

    struct FixtureShape: Error, CustomStringConvertible {
        let action: String
        var description: String { "the \(action) example payload no longer has the expected shape" }
    }
}
