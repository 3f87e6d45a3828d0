import Foundation
import LocalAWSSupport
import TestServices
import Testing
import WebhookSupport

/// What a pull request shows, through the binary: `prenv serve` with a token, the local AWS endpoint
/// doing the work, the GitHub stand-in enforcing GitHub's rules for statuses, deployments and
/// comments. Open → a deployment `success` with the preview URL and one comment; push → a new
/// deployment and the same comment edited; close → the deployment `inactive` and the comment
/// saying so. The writes each pushed commit cost are counted at the stand-in.
@Suite struct ServePresenceEndToEndTests {
    let sha1 = String(repeating: "3", count: 40)
    let sha2 = String(repeating: "4", count: 40)
    let pr = 4300

    /// GitHub writes the stand-in accepted for `sha`: commit statuses, the deployment and its statuses.
    func writes(_ serve: ServeHarness, sha: String) async throws -> (statuses: Int, deployment: Int) {
        let statuses = try await serve.statuses(sha: sha).count
        let (deployments, requests) = try await serve.standin.deployments()
        let ids = Set(deployments.filter { $0.ref == sha }.map(\.id))
        let created = requests.filter { $0["kind"] as? String == "deployment" && $0["status"] as? Int == 201 && $0["ref"] as? String == sha }.count
        let statusWrites = requests.filter {
            $0["kind"] as? String == "deployment_status" && $0["status"] as? Int == 201 && ids.contains($0["deployment"] as? Int ?? -1)
        }.count
        return (statuses, created + statusWrites)
    }

    func commentWrites(_ serve: ServeHarness) async throws -> Int {
        try await serve.standin.comments().history.filter { ["created", "edited"].contains($0["action"] as? String) }.count
    }

    @Test func openPushCloseShowsADeploymentAndOneLivingComment() async throws {
        let serve = try await ServeHarness("sv-presence", arguments: ["--comment-interval", "1"])
        defer { serve.stop() }

        let lifecycle = PresenceLifecycle(serve: serve, pr: pr, sha1: sha1, sha2: sha2)

        // Opened: ready, a deployment `success` with the site's URL, exactly one comment.
        let (deployment, _, comment) = try await lifecycle.open()
        #expect(deployment.environment == "webapp/pr-\(pr)", "\(deployment)")
        #expect(deployment.transientEnvironment && !deployment.productionEnvironment && !deployment.autoMerge && deployment.requiredContexts == [])
        let commentID = try #require(comment["id"] as? Int)
        let openedBody = comment["body"] as? String ?? ""
        #expect(comment["issue"] as? Int == pr)
        #expect(openedBody.hasPrefix("<!-- prenv:comment v1 ") && openedBody.contains("ready") && openedBody.contains(String(sha1.prefix(12))), "\(openedBody)")
        for node in ["artifacts", "build", "pipeline", "site"] { #expect(openedBody.contains("| \(node) |"), "\(node): \(openedBody)") }
        #expect(openedBody.contains("Source") && openedBody.contains("Build") && openedBody.contains("/prenv redeploy"), "\(openedBody)")
        let firstWrites = try await writes(serve, sha: sha1)
        let firstComment = try await commentWrites(serve)

        // Pushed: a new deployment for the new head; the same comment, edited.
        let pushed = try await lifecycle.push(commentID: commentID)
        #expect((pushed["edits"] as? Int ?? 0) >= 1)
        print("the comment after the push:\n\(pushed["body"] as? String ?? "")")
        let secondWrites = try await writes(serve, sha: sha2)
        let secondComment = try await commentWrites(serve) - firstComment

        // Writes per pushed commit at the default detail (`stages`): at most 8 (issue 12's budget).
        let perSHA = [(sha1, firstWrites, firstComment), (sha2, secondWrites, secondComment)]
        for (sha, counted, comments) in perSHA {
            let total = counted.statuses + counted.deployment + comments
            print("writes for \(sha.prefix(7)): \(counted.statuses) commit statuses + \(counted.deployment) deployment writes + \(comments) comment writes = \(total)")
            #expect(total <= 8, "\(sha.prefix(7)): \(counted) + \(comments) comment writes")
            #expect(counted.deployment == 3, "create, in_progress, success: \(counted)")
        }

        // Closed: the latest deployment inactive, the comment says the environment is destroyed.
        let final = try await lifecycle.close(commentID: commentID)
        #expect(!((final["body"] as? String)?.contains("open the preview") ?? true), "no preview link once destroyed")

        // /api/environments shows the activity.
        let environment = try #require(try await serve.environments()[pr])
        let activity = try #require(environment["activity"] as? [String: Any])
        #expect(activity["state"] as? String == "destroyed" && activity["head_sha"] as? String == sha2, "\(activity)")
    }
}
