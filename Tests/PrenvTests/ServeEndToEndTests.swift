import HTTPTransport
import AWSServices
import Foundation
import LocalAWSSupport
import Testing
import WebhookSupport

/// `prenv serve` end to end over real HTTP: signed real payloads in, the local AWS endpoint doing the
/// work, commit statuses arriving at the GitHub stand-in (which enforces GitHub's contract).
@Suite struct ServeEndToEndTests {
    let sha1 = String(repeating: "1", count: 40)
    let sha2 = String(repeating: "2", count: 40)

    func delivery(_ action: String, pr: Int, sha: String, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(second))
    }

    /// Index of the first status matching, or nil.
    static func index(_ statuses: [(context: String, state: String, description: String, targetURL: String?)], _ context: String, _ state: String) -> Int? {
        statuses.firstIndex { $0.context == context && $0.state == state }
    }

    @Test func openedSynchronizeClosedProvisionsUpdatesAndDestroysWithStatusesInOrder() async throws {
        // `detail: all`: this test follows every resource's and stage's statuses (the default, `stages`, posts fewer).
        let serve = try await ServeHarness("sv-life", editBlueprint: { $0.replacingOccurrences(of: "\nstatus:\n", with: "\nstatus:\n  detail: all\n") })
        defer { serve.stop() }
        let pr = 4242

        let opened = try await serve.send(delivery("opened", pr: pr, sha: sha1, second: 0))
        #expect(opened.status == 202 && opened.json["outcome"] as? String == "accepted", "\(opened)")
        let ready = try await serve.waitFor(pr: pr, state: "ready", sha: sha1)
        let resources = ready["resources"] as? [[String: Any]] ?? []
        #expect(resources.map { $0["id"] as? String } == ["artifacts", "build", "pipeline", "site"])
        #expect(resources.allSatisfy { $0["state"] as? String == "created" && $0["physical_name"] != nil }, "\(resources)")
        let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")

        // Statuses for the first commit: the environment's pending first, its success (with the site's
        // URL) last; every resource pending, then success; every pipeline stage success, after its
        // pending when one was posted. A stage's pending is an intermediate: a stage of 0.5 s can finish
        // between two polls on a loaded machine, and a queued pending is replaced by its stage's
        // success (`WriteQueue`), so only its order, not its presence, is prenv's promise.
        let first = try await eventually { try await serve.statuses(sha: sha1) } until: { Self.index($0, "prenv/webapp", "success") != nil }
        #expect(first.first?.context == "prenv/webapp" && first.first?.state == "pending", "\(first)")
        let success = try #require(first.last { $0.context == "prenv/webapp" })
        #expect(success.state == "success")
        #expect(success.targetURL?.hasPrefix("http://") == true && success.targetURL?.contains("s3-website") == true, "\(success)")
        for node in ["artifacts", "build", "pipeline", "site"] {
            let pending = Self.index(first, "prenv/webapp/\(node)", "pending")
            let done = Self.index(first, "prenv/webapp/\(node)", "success")
            #expect(pending != nil && done != nil && pending! < done!, "\(node): \(first.filter { $0.context.hasSuffix(node) })")
        }
        for stage in ["pipeline/Source", "pipeline/Build"] {
            let done = try #require(Self.index(first, "prenv/webapp/\(stage)", "success"), "\(stage): \(first.filter { $0.context.hasSuffix(stage) })")
            let pending = Self.index(first, "prenv/webapp/\(stage)", "pending")
            #expect(pending.map { $0 < done } ?? true, "\(stage): \(first.filter { $0.context.hasSuffix(stage) })")
        }
        // Dependency order: the build project is created before the pipeline that runs it, the site last.
        #expect(Self.index(first, "prenv/webapp/build", "success")! < Self.index(first, "prenv/webapp/pipeline", "pending")!)
        #expect(Self.index(first, "prenv/webapp/pipeline", "success")! < Self.index(first, "prenv/webapp/site", "pending")!)

        // A new commit: updated in place, its pipeline run again (stage statuses for the new SHA).
        try await serve.send(delivery("synchronize", pr: pr, sha: sha2, second: 60))
        try await serve.waitFor(pr: pr, state: "ready", sha: sha2)
        let second = try await eventually { try await serve.statuses(sha: sha2) } until: { Self.index($0, "prenv/webapp", "success") != nil }
        #expect(Self.index(second, "prenv/webapp/pipeline/Build", "success") != nil, "\(second)")
        // The template's Deploy stage is dropped by the blueprint (`drop_stages`): it never runs for a PR.
        #expect(!first.contains { $0.context == "prenv/webapp/pipeline/Deploy" } && !second.contains { $0.context == "prenv/webapp/pipeline/Deploy" })

        // Closed: destroyed in reverse dependency order, nothing left by tag or prefix.
        try await serve.send(delivery("closed", pr: pr, sha: sha2, second: 120))
        try await serve.waitFor(pr: pr, state: "destroyed")
        let third = try await eventually { try await serve.statuses(sha: sha2) } until: {
            $0.contains { $0.context == "prenv/webapp" && $0.description.hasPrefix("Environment destroyed") }
        }
        let deleted = ["site", "pipeline", "build", "artifacts"].map { node in
            third.firstIndex { $0.context == "prenv/webapp/\(node)" && $0.description.hasPrefix("Deleted") }
        }
        #expect(deleted.allSatisfy { $0 != nil } && deleted.compactMap { $0 } == deleted.compactMap { $0 }.sorted(), "\(third)")
        let left = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(try await S3(client: serve.templates.client).listObjectsV2(bucket: serve.templates.bucket, prefix: "webapp/pr-\(pr)/").isEmpty)
        // Every request carried what GitHub requires.
        let requests = try await serve.standin.received().requests
        #expect(!requests.isEmpty && requests.allSatisfy { ($0["headers"] as? [String: String])?["user-agent"]?.isEmpty == false })
    }

    @Test func intakeRejectsWhatGitHubWouldNotSendAndRecordsNothing() async throws {
        let serve = try await ServeHarness("sv-intake")
        defer { serve.stop() }
        let good = delivery("opened", pr: 7, sha: sha1, second: 0)
        let body = try good.json()
        func signed(_ body: Data, event: String = "pull_request") -> HTTPHeaders {
            WebhookFixtures.headers(event: event, body: body, signingSecret: serve.secret)
        }

        var forged = WebhookFixtures.headers(body: body, signingSecret: "not-the-secret")
        #expect(try await serve.post(body: body, headers: forged).status == 401)
        forged.remove("X-Hub-Signature-256")
        #expect(try await serve.post(body: body, headers: forged).status == 401)
        var altered = body
        altered.append(contentsOf: Array(" ".utf8))
        #expect(try await serve.post(body: altered, headers: signed(body)).status == 401)

        let malformed = Data("{\"action\": \"opened\", ".utf8)
        let bad = try await serve.post(body: malformed, headers: signed(malformed))
        #expect(bad.status == 400, "\(bad)")
        #expect((bad.json["message"] as? String)?.contains("malformed") == true, "\(bad)")

        let huge = Data(count: 6 * 1024 * 1024)
        #expect(try await serve.post(body: huge, headers: signed(huge)).status == 413)

        let ping = try SharedFixtures.data("github-webhooks/ping/payload.json")
        let pong = try await serve.post(body: ping, headers: signed(ping, event: "ping"))
        #expect(pong.status == 200, "\(pong)")
        let push = Data("{}".utf8)
        let ignored = try await serve.post(body: push, headers: signed(push, event: "push"))
        #expect(ignored.status == 202 && ignored.json["outcome"] as? String == "ignored", "\(ignored)")

        // None of the above was recorded or acted on.
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await serve.environments().isEmpty)
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey).keys.filter { $0.hasPrefix("codebuild") }.isEmpty)

        // The genuine delivery, twice (a redelivery): recorded once, provisioned once.
        let first = try await serve.send(good, deliveryID: "redelivered")
        let again = try await serve.send(good, deliveryID: "redelivered")
        #expect(first.json["outcome"] as? String == "accepted" && again.json["outcome"] as? String == "duplicate", "\(first) \(again)")
        try await serve.waitFor(pr: 7, state: "ready", sha: sha1)
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey)["codebuild.CreateProject"] == 1)
        try await serve.send(delivery("closed", pr: 7, sha: sha1, second: 10))
        try await serve.waitFor(pr: 7, state: "destroyed")
    }

    @Test func outOfOrderDeliveriesNeverApplyAnOlderCommitAndCloseWinsOverProvisioning() async throws {
        let serve = try await ServeHarness("sv-order")
        defer { serve.stop() }
        // The push arrives before the open it follows: the late `opened` is stale and ignored.
        try await serve.send(delivery("synchronize", pr: 11, sha: sha2, second: 30))
        try await serve.send(delivery("opened", pr: 11, sha: sha1, second: 0))
        try await serve.waitFor(pr: 11, state: "ready", sha: sha2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await serve.statuses(sha: sha1).isEmpty, "nothing was ever done for the older commit")

        // Closed while provisioning: the apply is cancelled and everything is destroyed. A slow
        // pipeline poll (a read, so nothing lands after the close) holds the apply in provisioning
        // long enough for a loaded machine's poll to see it; a fast apply used to reach ready first.
        let slowPoll = try await serve.slowFirstPipelinePoll()
        try await serve.send(delivery("opened", pr: 12, sha: sha1, second: 0))
        try await serve.waitFor(pr: 12, state: "provisioning")
        try await LocalAWS.waitUntilFired(slowPoll)
        try await serve.send(delivery("closed", pr: 12, sha: sha1, second: 5))
        try await serve.waitFor(pr: 12, state: "destroyed")
        let left = try await TaggedResources.find(envName: serve.envName(pr: 12), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")

        try await serve.send(delivery("closed", pr: 11, sha: sha2, second: 60))
        try await serve.waitFor(pr: 11, state: "destroyed")
    }

    @Test func forkPullRequestsAndSkipLabelsFollowTheBlueprint() async throws {
        let serve = try await ServeHarness("sv-skip")
        defer { serve.stop() }
        var fork = delivery("opened", pr: 21, sha: sha1, second: 0)
        fork.fromFork = true
        try await serve.send(fork)
        let skipped = try await serve.waitFor(pr: 21, state: "skipped")
        #expect((skipped["reason"] as? String)?.contains("fork") == true, "\(skipped)")
        let forkStatus = try await eventually { try await serve.statuses(sha: sha1) } until: { !$0.isEmpty }
        #expect(forkStatus.map(\.state) == ["success"] && forkStatus[0].description.hasPrefix("Skipped"), "\(forkStatus)")

        var labelled = delivery("opened", pr: 22, sha: sha2, second: 0)
        labelled.labels = ["no-preview"]
        try await serve.send(labelled)
        try await serve.waitFor(pr: 22, state: "skipped")
        // Removing the label provisions; adding it again destroys.
        try await serve.send(delivery("unlabeled", pr: 22, sha: sha2, second: 10))
        try await serve.waitFor(pr: 22, state: "ready", sha: sha2)
        var relabelled = delivery("labeled", pr: 22, sha: sha2, second: 20)
        relabelled.labels = ["no-preview"]
        try await serve.send(relabelled)
        try await serve.waitFor(pr: 22, state: "skipped")
        let environment = try #require(try await serve.environments()[22])
        #expect((environment["resources"] as? [Any])?.isEmpty ?? true, "\(environment)")
        let left = try await TaggedResources.find(envName: serve.envName(pr: 22), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")
        #expect(try await LocalAWS.callCounts(accessKey: serve.accessKey)["codebuild.CreateProject"] == 1, "the fork got nothing")
    }

    @Test func gitHubOutagesAndAWSThrottlingDelayButDoNotBreakTheEnvironment() async throws {
        let serve = try await ServeHarness("sv-faults")
        defer { serve.stop() }
        // The first status meets a 502, a secondary and a primary rate limit: three retries, within
        // the client's four attempts, each waiting as GitHub asks (backoff, Retry-After, reset).
        _ = try await serve.standin.admin("faults", ["status": 502, "count": 1])
        _ = try await serve.standin.admin("faults", ["secondary_rate_limit": true, "retry_after": "1"])
        _ = try await serve.standin.admin("faults", ["primary_rate_limit": true, "reset_in": 1])
        try await LocalAWS.addFault(["kind": "throttle", "service": "codebuild", "access_key": serve.accessKey, "count": 2])
        try await LocalAWS.addFault(["kind": "throttle", "service": "cloudformation", "access_key": serve.accessKey, "count": 2])

        try await serve.send(delivery("opened", pr: 31, sha: sha1, second: 0))
        try await serve.waitFor(pr: 31, state: "ready", sha: sha1)
        let statuses = try await eventually { try await serve.statuses(sha: sha1) } until: { Self.index($0, "prenv/webapp", "success") != nil }
        #expect(Self.index(statuses, "prenv/webapp", "pending") != nil, "\(statuses)")
        let counts = try await LocalAWS.callCounts(accessKey: serve.accessKey)
        #expect((counts["codebuild.CreateProject"] ?? 0) + (counts["codebuild.BatchGetProjects"] ?? 0) > 2, "throttled calls were retried: \(counts)")
        try await serve.send(delivery("closed", pr: 31, sha: sha1, second: 10))
        try await serve.waitFor(pr: 31, state: "destroyed")
    }

    @Test func lostWebhooksAreCaughtUpFromGitHubSoNothingIsLeftRunning() async throws {
        let serve = try await ServeHarness("sv-missed")
        defer { serve.stop() }
        // The PR is open at sha1 as far as GitHub knows; prenv got the webhook.
        _ = try await serve.standin.admin("pulls", ["repository": "acme/webapp", "number": 41, "head_sha": sha1,
                                                    "head_ref": "feature/login", "updated_at": WebhookFixtures.timestamp(0)])
        try await serve.send(delivery("opened", pr: 41, sha: sha1, second: 0))
        try await serve.waitFor(pr: 41, state: "ready", sha: sha1)

        // A push whose webhook never arrived: prenv finds the new head by asking GitHub.
        _ = try await serve.standin.admin("pulls", ["repository": "acme/webapp", "number": 41, "head_sha": sha2,
                                                    "head_ref": "feature/login", "updated_at": WebhookFixtures.timestamp(60)])
        try await serve.waitFor(pr: 41, state: "ready", sha: sha2)

        // The close whose webhook never arrived either: destroyed all the same.
        _ = try await serve.standin.admin("pulls", ["repository": "acme/webapp", "number": 41, "state": "closed", "head_sha": sha2,
                                                    "head_ref": "feature/login", "updated_at": WebhookFixtures.timestamp(120)])
        try await serve.waitFor(pr: 41, state: "destroyed")
        let left = try await TaggedResources.find(envName: serve.envName(pr: 41), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// SIGTERM mid-provisioning (a deploy of prenv itself): the running apply stops without being
    /// recorded as failed, and the restarted server finishes it. No failure status is ever posted.
    @Test func sigtermWhileProvisioningResumesAfterRestartWithoutAFailure() async throws {
        // No shutdown grace: the apply is stopped at once, mid-provisioning (what this test is about;
        // the drain that lets it finish is ShutdownEndToEndTests'), well within `terminate()`'s 5 s.
        let serve = try await ServeHarness("sv-term", arguments: ["--shutdown-grace", "0"])
        defer { serve.stop() }
        let slowPoll = try await serve.slowFirstPipelinePoll()
        try await serve.send(delivery("opened", pr: 51, sha: sha1, second: 0))
        try await serve.waitFor(pr: 51, state: "provisioning")
        try await LocalAWS.waitUntilFired(slowPoll)
        serve.terminate()
        #expect(serve.logTail(200).contains("shutting down"), "stopped in an orderly way")
        try await serve.restart()
        try await serve.waitFor(pr: 51, state: "ready", sha: sha1)
        let statuses = try await eventually { try await serve.statuses(sha: sha1) } until: { Self.index($0, "prenv/webapp", "success") != nil }
        let environment = statuses.filter { $0.context == "prenv/webapp" }
        #expect(!environment.contains { $0.state == "failure" || $0.state == "error" }, "\(environment)")
        let found = try await TaggedResources.find(envName: serve.envName(pr: 51), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")
        try await serve.send(delivery("closed", pr: 51, sha: sha1, second: 10))
        try await serve.waitFor(pr: 51, state: "destroyed")
    }
}

/// Polls `read` until `condition` holds (10 s at most), returning the last value either way.
func eventually<T>(_ read: () async throws -> T, until condition: (T) -> Bool) async throws -> T {
    let deadline = Date().addingTimeInterval(10)
    var value = try await read()
    while !condition(value), Date() < deadline {
        try await Task.sleep(for: .milliseconds(50))
        value = try await read()
    }
    return value
}
