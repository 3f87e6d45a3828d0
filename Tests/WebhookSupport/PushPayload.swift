import Foundation
import LocalAWSSupport

/// A `push` delivery built from GitHub's real example payload
/// (`shared/fixtures/github-webhooks/push/payload.json`), with the fields prenv reads rewritten.
public struct PushPayload: Sendable {
    public var repository = "acme/webapp"
    public var ref = "refs/heads/main"
    public var before = String(repeating: "b", count: 40)
    public var after = String(repeating: "c", count: 40)

    public init(repository: String = "acme/webapp", ref: String = "refs/heads/main", before: String = String(repeating: "b", count: 40),
                after: String = String(repeating: "c", count: 40)) {
        self.repository = repository
        self.ref = ref
        self.before = before
        self.after = after
    }

    public func json() throws -> Data {
        let fixture = "github-webhooks/push/payload.json"
        guard var root = try JSONSerialization.jsonObject(with: try SharedFixtures.data(fixture)) as? [String: Any],
              var repo = root["repository"] as? [String: Any]
        else { throw FixtureShape(description: "\(fixture) is not a push payload") }
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        root["ref"] = ref
        root["before"] = before
        root["after"] = after
        root["deleted"] = false
        root["created"] = false
        repo["full_name"] = repository
        repo["name"] = parts.last ?? repository
        var owner = repo["owner"] as? [String: Any] ?? [:]
        owner["login"] = parts.first ?? repository
        repo["owner"] = owner
        root["repository"] = repo
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
