import _CryptoExtras
import Foundation
import LocalAWSSupport
import TestServices
import Testing
import WebhookSupport

/// `ServePresenceEndToEndTests` with `prenv serve` authenticated as a GitHub App (no `GITHUB_TOKEN`):
/// the stand-in knows the App's public key and installation 31 on `acme/webapp`. Open → a deployment
/// `success` with the URL and one comment by `prenv-test[bot]`; push → a new deployment and the
/// same comment edited; close → `inactive` and the comment saying so. Every write is made with an
/// installation token, and one token is exchanged for the whole run (tokens last an hour).
@Suite struct ServePresenceAppEndToEndTests {
    let sha1 = String(repeating: "5", count: 40)
    let sha2 = String(repeating: "6", count: 40)
    let pr = 4310
    static let key: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    func delivery(_ action: String, sha: String, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(second))
    }

    @Test func openPushCloseAsAGitHubApp() async throws {
        let serve = try await ServeHarness("sv-app-presence", arguments: ["--comment-interval", "1"], environment: [
            "GITHUB_TOKEN": "", "GITHUB_APP_ID": "4243", "GITHUB_APP_PRIVATE_KEY": Self.key.pemRepresentation,
        ])
        defer { serve.stop() }
        try await serve.standin.configureApp(id: 4243, publicKeyPEM: Self.key.publicKey.pemRepresentation, installations: [31: ["acme/webapp"]])

        // Opened: a deployment `success` with the URL, exactly one comment, by the App's bot.
        try await serve.send(delivery("opened", sha: sha1, second: 0))
        try await serve.waitFor(pr: pr, state: "ready", sha: sha1)
        let first = try await eventually { try await serve.standin.deployments().deployments } until: {
            $0.first?.statuses.map(\.state) == ["in_progress", "success"]
        }
        #expect(first.count == 1 && first.first?.ref == sha1, "\(first)")
        let previewURL = first.first?.statuses.last?.environmentURL ?? ""
        #expect(previewURL.hasPrefix("http://") && previewURL.contains("s3-website"), "\(first)")
        let opened = try await eventually { try await serve.standin.comments().live } until: { $0.count == 1 }
        let comment = try #require(opened.first)
        let commentID = try #require(comment["id"] as? Int)
        #expect((comment["user"] as? [String: Any])?["login"] as? String == "prenv-test[bot]", "\(comment)")
        #expect((comment["body"] as? String)?.contains("[open the preview](\(previewURL))") == true, "\(comment)")

        // Pushed: a new deployment; the same comment, edited.
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

        // Closed: inactive, and the comment says the environment is destroyed.
        try await serve.send(delivery("closed", sha: sha2, second: 120))
        try await serve.waitFor(pr: pr, state: "destroyed")
        let closed = try await eventually { try await serve.standin.deployments().deployments } until: {
            $0.last?.statuses.last?.state == "inactive"
        }
        #expect(closed.last?.statuses.map(\.state) == ["in_progress", "success", "inactive"], "\(closed)")
        let final = try await eventually { try await serve.standin.comments().live } until: {
            ($0.first?["body"] as? String)?.contains("destroyed") == true
        }
        #expect(final.count == 1 && final.first?["id"] as? Int == commentID, "\(final)")
        let history = try await serve.standin.comments().history
        #expect(history.filter { $0["action"] as? String == "created" }.count == 1)

        // Every write with an installation token (serve has no other credential), and one exchange.
        let statuses = try await serve.statuses(sha: sha1).count + serve.statuses(sha: sha2).count
        let requests = try await serve.standin.deployments().requests
        let deploymentWrites = requests.filter { ["deployment", "deployment_status"].contains($0["kind"] as? String) && $0["status"] as? Int == 201 }.count
        let commentWrites = history.filter { ["created", "edited"].contains($0["action"] as? String) }.count
        let installationWrites = try await serve.standin.installationTokenWrites()
        #expect(statuses > 0 && deploymentWrites >= 7 && installationWrites >= statuses + deploymentWrites + commentWrites,
                "\(installationWrites) installation-token writes for \(statuses) statuses, \(deploymentWrites) deployment writes, \(commentWrites) comment writes")
        let counters = try await serve.standin.appCounters()
        #expect(counters.tokenRequests == [31: 1], "one installation token for the whole run: \(counters)")
    }
}
