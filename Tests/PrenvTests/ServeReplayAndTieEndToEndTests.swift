import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// Item 4 through the binary: a `reopened` and a `closed` of one second, delivered in the order
/// that used to leave an open PR without its environment, are settled by asking the GitHub
/// stand-in; replayed bodies under fresh delivery ids are answered `duplicate` and change nothing.
@Suite struct ServeReplayAndTieEndToEndTests {
    let sha1 = String(repeating: "1", count: 40)

    func delivery(_ action: String, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: 61, headSHA: sha1, updatedAt: WebhookFixtures.timestamp(second))
    }

    func setPull(_ serve: ServeHarness, state: String, second: Int) async throws {
        _ = try await serve.standin.admin("pulls", ["repository": "acme/webapp", "number": 61, "state": state, "head_sha": sha1,
                                                    "head_ref": "feature/login", "updated_at": WebhookFixtures.timestamp(second)])
    }

    @Test func aSameSecondCloseNeverStrandsAnOpenPRAndReplaysAreDuplicates() async throws {
        let serve = try await ServeHarness("sv-tie")
        defer { serve.stop() }
        try await setPull(serve, state: "open", second: 0)
        try await serve.send(delivery("opened", second: 0))
        try await serve.waitFor(pr: 61, state: "ready", sha: sha1)

        // Closed and reopened within second 10; GitHub says open. Arrival: reopened, then closed.
        try await setPull(serve, state: "open", second: 10)
        #expect(try await serve.send(delivery("reopened", second: 10)).json["outcome"] as? String == "accepted")
        #expect(try await serve.send(delivery("closed", second: 10)).json["outcome"] as? String == "accepted")
        let asked = try await eventually { serve.logTail(400) } until: { $0.contains("same-second events ordered by GitHub's answer") }
        #expect(asked.contains("same-second events ordered by GitHub's answer"), "GitHub was never asked")
        try await serve.waitFor(pr: 61, state: "ready", sha: sha1)

        // Replays of both bodies under fresh delivery ids: duplicates, applied once.
        for action in ["closed", "reopened", "opened"] {
            let second = action == "opened" ? 0 : 10
            let replay = try await serve.send(delivery(action, second: second), deliveryID: "replay-\(action)")
            #expect(replay.status == 202)
            #expect(replay.json["outcome"] as? String == "duplicate", "\(action): \(replay.json)")
        }
        try await Task.sleep(for: .milliseconds(500))
        try await serve.waitFor(pr: 61, state: "ready", sha: sha1)
        let statuses = try await serve.statuses(sha: sha1)
        #expect(!statuses.contains { $0.description.hasPrefix("Tearing down") }, "an open PR was torn down: \(statuses)")
        let found = try await TaggedResources.find(envName: serve.envName(pr: 61), client: serve.templates.client)
        #expect(found.stacks.count == 1, "\(found)")

        try await setPull(serve, state: "closed", second: 20)
        try await serve.send(delivery("closed", second: 20))
        try await serve.waitFor(pr: 61, state: "destroyed")
        let left = try await TaggedResources.find(envName: serve.envName(pr: 61), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
