import Foundation
import TestServices
import Testing
import WebhookSupport

/// The steps both presence end-to-end tests take through `prenv serve` (with a token, and as a
/// GitHub App): open, push, close, each awaited and checked at the GitHub stand-in. Each test adds
/// what is particular to its credential.
struct PresenceLifecycle {
    let serve: ServeHarness
    let pr: Int
    let sha1: String
    let sha2: String

    func delivery(_ action: String, sha: String, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(second))
    }

    /// Opened: ready, one deployment `in_progress` then `success` with the site's URL, exactly one
    /// comment linking to it. Returns the deployment, the URL and the comment.
    func open() async throws -> (deployment: StandinProcess.RecordedDeployment, previewURL: String, comment: [String: Any]) {
        try await serve.send(delivery("opened", sha: sha1, second: 0))
        try await serve.waitFor(pr: pr, state: "ready", sha: sha1)
        let first = try await eventually { try await serve.standin.deployments().deployments } until: {
            $0.first?.statuses.map(\.state) == ["in_progress", "success"]
        }
        let deployment = try #require(first.first)
        #expect(first.count == 1 && deployment.ref == sha1, "\(first)")
        let previewURL = deployment.statuses.last?.environmentURL ?? ""
        #expect(previewURL.hasPrefix("http://") && previewURL.contains("s3-website"), "\(deployment.statuses)")
        let opened = try await eventually { try await serve.standin.comments().live } until: { $0.count == 1 }
        #expect(opened.count == 1, "\(opened)")
        let comment = try #require(opened.first)
        #expect((comment["body"] as? String)?.contains("[open the preview](\(previewURL))") == true, "\(comment)")
        return (deployment, previewURL, comment)
    }

    /// Pushed: a second deployment for the new head, and the same comment edited to name it.
    func push(commentID: Int) async throws -> [String: Any] {
        try await serve.send(delivery("synchronize", sha: sha2, second: 60))
        try await serve.waitFor(pr: pr, state: "ready", sha: sha2)
        let second = try await eventually { try await serve.standin.deployments().deployments } until: {
            $0.count == 2 && $0.last?.statuses.map(\.state) == ["in_progress", "success"]
        }
        #expect(second.map(\.ref) == [sha1, sha2], "\(second)")
        let pushed = try await eventually { try await serve.standin.comments().live } until: {
            ($0.first?["body"] as? String)?.contains(String(sha2.prefix(12))) == true
        }
        #expect(pushed.count == 1 && pushed.first?["id"] as? Int == commentID, "\(pushed)")
        return pushed.first ?? [:]
    }

    /// Closed: the latest deployment `inactive` (the earlier one left as it was), the same comment
    /// saying the environment is destroyed, and only ever one comment created.
    func close(commentID: Int) async throws -> [String: Any] {
        try await serve.send(delivery("closed", sha: sha2, second: 120))
        try await serve.waitFor(pr: pr, state: "destroyed")
        let closed = try await eventually { try await serve.standin.deployments().deployments } until: {
            $0.last?.statuses.last?.state == "inactive"
        }
        #expect(closed.last?.statuses.map(\.state) == ["in_progress", "success", "inactive"], "\(closed)")
        #expect(closed.first?.statuses.map(\.state) == ["in_progress", "success"], "only the latest is marked inactive")
        let final = try await eventually { try await serve.standin.comments().live } until: {
            ($0.first?["body"] as? String)?.contains("destroyed") == true
        }
        #expect(final.count == 1 && final.first?["id"] as? Int == commentID, "\(final)")
        let creations = try await serve.standin.comments().history.filter { $0["action"] as? String == "created" }.count
        #expect(creations == 1)
        return final.first ?? [:]
    }
}
