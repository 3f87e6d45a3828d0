import Foundation
import HTTPTransport
import LocalAWSSupport
import Testing
import WebhookSupport

/// `prenv serve` stopped as a service manager stops it (SIGTERM): it drains (webhooks and `/readyz`
/// answer 503 while the listener stays open), lets running operations finish within
/// `--shutdown-grace`, stops what still runs at the grace, sends the final statuses and exits 0; a
/// restart finishes what was cut off without creating anything twice.
@Suite struct ShutdownEndToEndTests {
    let sha = String(repeating: "5", count: 40)

    func delivery(_ action: String, pr: Int, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(second))
    }

    /// `GET /readyz`: the status, or nil when the server did not answer (connection refused).
    static func readiness(_ serve: ServeHarness) async -> (status: Int, body: String)? {
        let request = HTTPRequest(method: "GET", url: serve.url.appendingPathComponent("readyz"))
        guard let response = try? await serve.transport.send(request) else { return nil }
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    @Test func sigtermDrainsLetsTheRunningApplyFinishAndExitsZero() async throws {
        let grace = 40
        let serve = try await ServeHarness("sd-drain", arguments: ["--shutdown-grace", "\(grace)"])
        defer { serve.stop() }
        #expect(await Self.readiness(serve)?.status == 200)
        // Not 502: the other test of this suite uses it, in parallel, on the same local AWS.
        let pr = 521
        // The apply's first pipeline poll takes 15 s: SIGTERM lands while it provisions, however slowly a
        // loaded machine answers this test's own polls (a 6 s poll once ended before SIGTERM was sent).
        let slowPoll = try await serve.slowFirstPipelinePoll(seconds: 15)
        try await serve.send(delivery("opened", pr: pr, second: 0), deliveryID: "sd-open")
        try await serve.waitFor(pr: pr, state: "provisioning")
        try await LocalAWS.waitUntilFired(slowPoll)

        let sent = ContinuousClock.now
        async let exit = serve.terminate(within: .seconds(grace + 15))
        // Draining, not gone: readiness flips to 503 while the listener still answers.
        var drainingAnswer: (status: Int, body: String)?
        for _ in 0..<100 {
            guard let answer = await Self.readiness(serve) else { break }
            if answer.status == 503 {
                drainingAnswer = answer
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(drainingAnswer?.body.contains("draining") == true, "\(String(describing: drainingAnswer))\n\(serve.logTail())")
        // A webhook during the drain is refused with 503 and Retry-After, not recorded: GitHub redelivers it.
        let other = try await serve.send(delivery("opened", pr: pr + 1, second: 0), deliveryID: "sd-during-drain")
        #expect(other.status == 503, "\(other)")
        #expect(other.json["delivery"] as? String == "sd-during-drain")

        let status = await exit
        let took = sent.duration(to: .now)
        #expect(status == 0, "exit status \(String(describing: status))\n\(serve.logTail())")
        #expect(took < .seconds(grace + 8), "took \(took)")
        // The apply finished inside the grace: its final status went out before the exit.
        let statuses = try await serve.statuses(sha: sha)
        #expect(statuses.contains { $0.context == "prenv/webapp" && $0.state == "success" }, "\(statuses)\n\(serve.logTail())")
        #expect(try String(contentsOf: serve.log, encoding: .utf8).contains("drained: no operation running"))

        // The next server finds it ready (nothing to resume) and takes the refused delivery when GitHub redelivers it.
        try await serve.restart()
        try await serve.waitFor(pr: pr, state: "ready", sha: sha, seconds: 5)
        let redelivered = try await serve.send(delivery("opened", pr: pr + 1, second: 0), deliveryID: "sd-during-drain")
        #expect(redelivered.status == 202 && redelivered.json["outcome"] as? String == "accepted", "\(redelivered)")
        try await serve.waitFor(pr: pr + 1, state: "ready", sha: sha)
        for number in [pr, pr + 1] {
            let found = try await TaggedResources.find(envName: serve.envName(pr: number), client: serve.templates.client)
            #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "PR \(number): \(found)")
        }
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey)["codebuild.CreateProject"] == 2)
    }

    @Test func anOperationLongerThanTheGraceIsCutAtTheGraceAndFinishedByTheRestart() async throws {
        let serve = try await ServeHarness("sd-cut", arguments: ["--shutdown-grace", "1"])
        defer { serve.stop() }
        let pr = 502
        // 20 s in one pipeline poll: far longer than the grace.
        let slowPoll = try await serve.slowFirstPipelinePoll(seconds: 20)
        try await serve.send(delivery("opened", pr: pr, second: 0))
        try await serve.waitFor(pr: pr, state: "provisioning")
        try await LocalAWS.waitUntilFired(slowPoll)

        let sent = ContinuousClock.now
        let status = await serve.terminate(within: .seconds(15))
        let took = sent.duration(to: .now)
        #expect(status == 0, "exit status \(String(describing: status))\n\(serve.logTail())")
        // The grace (1 s), the statuses' flush (at most 5 s), and a margin; well before the poll's 20 s.
        #expect(took >= .seconds(1) && took < .seconds(9), "took \(took)")
        let log = try String(contentsOf: serve.log, encoding: .utf8)
        #expect(log.contains("shutdown grace over: stopping the operations still running"), "\(serve.logTail())")
        #expect(try await !serve.statuses(sha: sha).contains { $0.context == "prenv/webapp" && $0.state == "success" })

        // Recorded at a resumable point: the next start finishes it, adopting what exists.
        try await serve.restart()
        try await serve.waitFor(pr: pr, state: "ready", sha: sha)
        let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey)["codebuild.CreateProject"] == 1)
    }
}
