import AWSServices
import Foundation
import HTTPTransport
import LocalAWSSupport
import TestServices
import Testing
import WebhookSupport

/// `prenv serve` on PostgreSQL as a user runs it: the built binary with `--state postgres://…`, the
/// local AWS endpoint and the GitHub stand-in, and PostgreSQL failing under it (down at start, down
/// for 20 s while webhooks arrive). The password is looked for in everything prenv printed.
@Suite struct ServePostgresEndToEndTests {
    let sha1 = String(repeating: "1", count: 40)
    let sha2 = String(repeating: "2", count: 40)

    func delivery(_ action: String, pr: Int, sha: String, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(second))
    }

    /// A database of this test's own on the shared server (`PRENV_TEST_POSTGRES_URL`); fails without it.
    static func sharedDatabase(_ prefix: String) async throws -> String {
        guard let shared = ProcessInfo.processInfo.environment["PRENV_TEST_POSTGRES_URL"], !shared.isEmpty else {
            throw PostgresServer.Failed(description: "PRENV_TEST_POSTGRES_URL is not set: run the tests through `make test`, "
                + "or wrap them in infra/postgres/with-postgres DIR -- swift test")
        }
        return try await PostgresServer.createDatabase("\(prefix)_\(UUID().uuidString.prefix(8).lowercased())", on: shared)
    }

    /// The password of a `postgres://USER:PASSWORD@…` URL.
    static func password(of url: String) throws -> String {
        try #require(URLComponents(string: url)?.password)
    }

    @Test func provisionsAndDestroysOnePullRequestWithTheStateInPostgres() async throws {
        let url = try await Self.sharedDatabase("serve_e2e")
        let password = try Self.password(of: url)
        let serve = try await ServeHarness("sv-pg", arguments: ["--state", url])
        defer { serve.stop() }
        let pr = 1301
        let opened = try await serve.send(delivery("opened", pr: pr, sha: sha1, second: 0))
        #expect(opened.status == 202 && opened.json["outcome"] as? String == "accepted", "\(opened)")
        try await serve.waitFor(pr: pr, state: "ready", sha: sha1)
        let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")
        // The records are in PostgreSQL, not in a SQLite file beside the harness's folder.
        let rows = try await PostgresServer.psql("SELECT count(*) FROM prenv_environments", on: url)
        #expect(rows == "1", "\(rows)")
        #expect(!FileManager.default.fileExists(atPath: serve.statePath))

        // `gc --apply` is refused while serve holds the state's lock (shared, in PostgreSQL); a dry run is not.
        let gc = ["gc", "--state", url, "--blueprints", serve.blueprints.path]
        let aws = PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": serve.accessKey, "AWS_SECRET_ACCESS_KEY": "serve-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
        ])
        let refused = try await PrenvBinary.run(gc + ["--apply"], environment: aws)
        #expect(refused.status == 1 && refused.output.contains("error: prenv serve is running on this state (1 replica)"), "\(refused.output)")
        let dryRun = try await PrenvBinary.run(gc, environment: aws)
        #expect(dryRun.status == 0, "\(dryRun.output)")
        #expect(!refused.output.contains(password) && !dryRun.output.contains(password))

        try await serve.send(delivery("closed", pr: pr, sha: sha1, second: 60))
        try await serve.waitFor(pr: pr, state: "destroyed")
        let left = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(left.isEmpty, "left behind: \(left)")
        serve.terminate()
        // Its lock went with it.
        let allowed = try await PrenvBinary.run(gc + ["--apply"], environment: aws)
        #expect(allowed.status == 0, "\(allowed.output)")
        let log = try String(contentsOf: serve.log, encoding: .utf8)
        #expect(log.contains("state=postgres://prenv:<redacted>@127.0.0.1:"), "the settings line names the state:\n\(serve.logTail())")
        #expect(!log.contains(password), "the password is in the serve log")
    }

    @Test func postgresDownAtStartStopsServeNamingTheLocationWithoutThePassword() async throws {
        let server = try await PostgresServer()
        defer { server.remove() }
        try await server.stop()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-pg-down-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let templates = LocalTemplates("sv-pgdown")
        try templates.writeBlueprint(in: directory.appendingPathComponent("blueprints"))
        let port = try #require(URLComponents(string: server.url)?.port)
        let started = Date()
        let result = try await PrenvBinary.run(
            ["serve", "--port", "0", "--blueprints", directory.appendingPathComponent("blueprints").path, "--state", server.url],
            environment: PrenvBinary.isolatedEnvironment(["PRENV_WEBHOOK_SECRET": "secret", "AWS_REGION": "us-east-1"]))
        #expect(result.status != 0, "\(result.output)")
        #expect(result.output.contains("error: cannot open state store postgres://prenv@127.0.0.1:\(port)/prenv?sslmode=disable: "), "\(result.output)")
        #expect(result.output.contains("not reachable") || result.output.contains("connection refused"), "\(result.output)")
        #expect(!result.output.contains(server.password), "the password is in the output:\n\(result.output)")
        #expect(Date().timeIntervalSince(started) < 30, "serve took \(Date().timeIntervalSince(started)) s to give up")

        // The password from PGPASSWORD or a file is as absent as one in the URL.
        let bare = "postgres://prenv@127.0.0.1:\(port)/prenv"
        let viaVariable = try await PrenvBinary.run(
            ["serve", "--port", "0", "--blueprints", directory.appendingPathComponent("blueprints").path, "--state", bare],
            environment: PrenvBinary.isolatedEnvironment(["PRENV_WEBHOOK_SECRET": "secret", "PGPASSWORD": server.password]))
        #expect(viaVariable.status != 0 && viaVariable.output.contains("cannot open state store postgres://prenv@127.0.0.1:\(port)/prenv"),
                "\(viaVariable.output)")
        #expect(!viaVariable.output.contains(server.password), "\(viaVariable.output)")
    }

    /// PostgreSQL stopped (`pg_ctl stop -m fast`) for 20 s under a running server: deliveries are
    /// answered 503 with `Retry-After` and nothing of them is kept (GitHub's redelivery is then
    /// recorded as new, not as a duplicate); once PostgreSQL is back the same prenv process records
    /// them and both PRs converge, without a restart.
    @Test func postgresDownForTwentySecondsAnswers503ThenRecoversWithoutRestart() async throws {
        let server = try await PostgresServer()
        defer { server.remove() }
        let serve = try await ServeHarness("sv-pgout", arguments: ["--state", server.url])
        defer { serve.stop() }
        let address = serve.url
        let (first, second) = (1401, 1402)
        #expect(try await serve.send(delivery("opened", pr: first, sha: sha1, second: 0)).status == 202)
        try await serve.waitFor(pr: first, state: "ready", sha: sha1)

        try await server.stop()
        let outageStarted = Date()
        let synchronize = (payload: delivery("synchronize", pr: first, sha: sha2, second: 10), id: UUID().uuidString)
        let opened = (payload: delivery("opened", pr: second, sha: sha1, second: 11), id: UUID().uuidString)
        var during: [Int] = []
        var retryAfter: [String?] = []
        var slowest: TimeInterval = 0
        // At least two rounds, however slow a loaded machine makes each answer (the outage lasts until
        // the server is started again below).
        while Date().timeIntervalSince(outageStarted) < 20 || during.count < 4 {
            for delivery in [synchronize, opened] {
                let sent = Date()
                let answer = try await Self.post(delivery.payload, id: delivery.id, to: serve)
                slowest = max(slowest, Date().timeIntervalSince(sent))
                during.append(answer.status)
                retryAfter.append(answer.retryAfter)
            }
            try await Task.sleep(for: .seconds(1))
        }
        // Each waits at most the intake's 5 s for the pool: about two rounds in 20 s, answered before GitHub's 10 s timeout.
        #expect(during.count >= 4 && during.allSatisfy { $0 == 503 }, "answers while PostgreSQL was down: \(during)")
        #expect(slowest < 9, "a delivery waited \(slowest) s for its answer; GitHub gives up after 10 s")
        #expect(retryAfter.allSatisfy { $0 == "30" }, "Retry-After: \(retryAfter)")

        try await server.start()
        // GitHub's redelivery: the same ids. Recorded now, as new: nothing of them was kept during the outage.
        var after: [String] = []
        for delivery in [synchronize, opened] {
            let deadline = Date().addingTimeInterval(30)
            var answer = try await Self.post(delivery.payload, id: delivery.id, to: serve)
            while answer.status != 202, Date() < deadline {
                try await Task.sleep(for: .milliseconds(250))
                answer = try await Self.post(delivery.payload, id: delivery.id, to: serve)
            }
            #expect(answer.status == 202, "after recovery: \(answer.status) \(answer.outcome ?? "-")\n\(serve.logTail())")
            after.append(answer.outcome ?? "-")
        }
        #expect(after == ["accepted", "accepted"], "a delivery answered 503 was half-recorded: \(after)")
        try await serve.waitFor(pr: first, state: "ready", sha: sha2)
        try await serve.waitFor(pr: second, state: "ready", sha: sha1)
        #expect(serve.url == address, "prenv was restarted")

        for pr in [first, second] {
            try await serve.send(delivery("closed", pr: pr, sha: pr == first ? sha2 : sha1, second: 60))
        }
        for pr in [first, second] {
            try await serve.waitFor(pr: pr, state: "destroyed")
            let left = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            #expect(left.isEmpty, "#\(pr) left behind: \(left)")
        }
        serve.terminate()
        let log = try String(contentsOf: serve.log, encoding: .utf8)
        #expect(log.contains("webhook not recorded"), "the outage is not in the log:\n\(serve.logTail())")
        #expect(!log.contains(server.password), "the password is in the serve log")
    }

    /// A signed delivery with a chosen id, answered with its status, outcome and `Retry-After`.
    static func post(_ payload: PullRequestPayload, id: String, to serve: ServeHarness)
        async throws -> (status: Int, outcome: String?, retryAfter: String?) {
        let body = try payload.json()
        let request = HTTPRequest(method: "POST", url: serve.url.appendingPathComponent("webhooks/github"),
                                  headers: WebhookFixtures.headers(body: body, signingSecret: serve.secret, deliveryID: id), body: body)
        let response = try await serve.transport.send(request)
        let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (response.status, json?["outcome"] as? String, response.headers["Retry-After"])
    }
}
