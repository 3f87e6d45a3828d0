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

    @Test func openPushCloseAsAGitHubApp() async throws {
        let serve = try await ServeHarness("sv-app-presence", arguments: ["--comment-interval", "1"], environment: [
            "GITHUB_TOKEN": "", "GITHUB_APP_ID": "4243", "GITHUB_APP_PRIVATE_KEY": Self.key.pemRepresentation,
        ])
        defer { serve.stop() }
        try await serve.standin.configureApp(id: 4243, publicKeyPEM: Self.key.publicKey.pemRepresentation, installations: [31: ["acme/webapp"]])

        let lifecycle = PresenceLifecycle(serve: serve, pr: pr, sha1: sha1, sha2: sha2)

        // Opened: a deployment `success` with the URL, exactly one comment, by the App's bot.
        let (_, _, comment) = try await lifecycle.open()
        let commentID = try #require(comment["id"] as? Int)
        #expect((comment["user"] as? [String: Any])?["login"] as? String == "prenv-test[bot]", "\(comment)")
        // Pushed: a new deployment; the same comment, edited. Closed: inactive, the comment says so.
        _ = try await lifecycle.push(commentID: commentID)
        _ = try await lifecycle.close(commentID: commentID)
        let history = try await serve.standin.comments().history

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
