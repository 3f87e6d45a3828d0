import AWSServices
import Crypto
import Foundation
import HTTPTransport
import LocalAWSSupport
import TestServices
import Testing
import WebhookSupport

/// Three `prenv serve` replicas on one PostgreSQL database, as behind a load balancer: webhooks for
/// ten PRs arrive round-robin; one replica is SIGKILLed mid-provision and another SIGSTOPped past its
/// leases and then let go on. Every environment still converges, each PR's CodeBuild project and
/// pipeline is created exactly once, the paused replica posts nothing once it is back (its PRs
/// moved on while it slept), and closing every PR leaves nothing behind.
@Suite struct ReplicasEndToEndTests {
    /// Short leases keep the test quick: a dead replica's PRs move after 6 s.
    static let leaseSeconds = 6.0

    /// Each PR at a head of its own, so its statuses are its own.
    func sha(_ pr: Int) -> String { String(format: "%040x", pr) }

    func delivery(_ action: String, pr: Int, second: Int) -> PullRequestPayload {
        PullRequestPayload(action: action, number: pr, headSHA: sha(pr), updatedAt: WebhookFixtures.timestamp(second))
    }

    /// How the stand-in names the token a status was written with.
    static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined().prefix(12).description
    }

    @Test func threeReplicasShareTenPullRequestsThroughAKillAndAPause() async throws {
        let url = try await ServePostgresEndToEndTests.sharedDatabase("replicas")
        let tokens = (1...3).map { "ghs_replica\($0)_\(UUID().uuidString)" }
        let common = ["--state", url, "--lease-duration", "\(Self.leaseSeconds)", "--replica-poll-interval", "0.5"]
        let serve = try await ServeHarness("sv-repl", arguments: common + ["--replica-id", "r1"], environment: ["GITHUB_TOKEN": tokens[0]],
                                           extraTokens: tokens)
        var others: [ServiceProcess] = []
        defer {
            for other in others { other.stop() }
            serve.stop()
        }
        for index in 1..<3 {
            others.append(try await ServeHarness.launch(
                directory: serve.directory, accessKey: serve.accessKey, secret: serve.secret, standin: serve.standin,
                arguments: common + ["--replica-id", "r\(index + 1)"], environment: ["GITHUB_TOKEN": tokens[index]], logName: "serve-r\(index + 1).log"))
        }
        let urls = [serve.url] + others.map(\.url)
        func logs() -> String {
            ["serve.log", "serve-r2.log", "serve-r3.log"].map { name in
                let text = (try? String(contentsOf: serve.directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
                return "--- \(name)\n" + text.split(separator: "\n").suffix(40).joined(separator: "\n")
            }.joined(separator: "\n")
        }

        // Slow pipeline polls (reads: nothing lands late) keep the applies running long enough to kill one.
        let slow = try await LocalAWS.addFault([
            "kind": "latency", "service": "codepipeline", "operation": "GetPipelineExecution",
            "access_key": serve.accessKey, "latency_ms": 2500, "count": 10,
        ])
        let prs = Array(301...310)
        for (index, pr) in prs.enumerated() {
            let response = try await Self.send(delivery("opened", pr: pr, second: 0), to: urls[index % 3], secret: serve.secret)
            #expect(response == 202, "PR \(pr) via replica \(index % 3 + 1): \(response)")
        }

        // r3 dies (SIGKILL) while it holds a PR that is provisioning.
        let killedWhileHolding = try await Self.waitUntil(seconds: 60) {
            let held = try await PostgresServer.psql("SELECT count(*) FROM prenv_leases WHERE holder = 'r3' AND expires_at > now()", on: url)
            let provisioning = try await serve.environments().values.filter { $0["state"] as? String == "provisioning" }.count
            return (Int(held) ?? 0) > 0 && provisioning > 0 ? Int(held) : nil
        }
        others[1].kill9()
        try await LocalAWS.waitUntilFired(slow)

        // r2 is paused past its leases, then let go on.
        let heldByPaused = try await Self.keys(heldBy: "r2", on: url)
        others[0].pause()
        try await Task.sleep(for: .seconds(Self.leaseSeconds + 4))
        others[0].resume()
        let resumedAt = Date().timeIntervalSince1970

        // Every environment converges, each project and pipeline created exactly once.
        for pr in prs {
            _ = try await serve.waitFor(pr: pr, state: "ready", sha: sha(pr), seconds: 150)
        }
        let counts = try await LocalAWS.callCounts(accessKey: serve.accessKey)
        #expect(counts["codebuild.CreateProject"] == prs.count, "\(counts)\n\(logs())")
        #expect(counts["codepipeline.CreatePipeline"] == prs.count, "\(counts)")
        // The dead replica's PRs moved to the living. Of the PRs r2 held when it was paused, those
        // another replica took over meanwhile got no status from r2 after it woke (it may take a PR
        // back under a new lease when nobody had taken it yet: that is not a stale write).
        #expect(try await Self.keys(heldBy: "r3", on: url).isEmpty)
        let movedFromPaused = heldByPaused.subtracting(try await Self.keys(heldBy: "r2", on: url))
        #expect(!heldByPaused.isEmpty, "r2 held no PR when it was paused: the pause proved nothing")
        let movedSHAs = Set(movedFromPaused.compactMap { Int($0.split(separator: "#").last ?? "") }.map(sha))
        let statuses = try await serve.standin.received().statuses
        let stale = statuses.filter { status in
            status["_token"] as? String == Self.tokenHash(tokens[1]) && (status["_received_at"] as? Double ?? 0) > resumedAt
                && movedSHAs.contains(status["_sha"] as? String ?? "")
        }
        print("replicas: r3 killed holding \(killedWhileHolding) PRs; r2 paused holding \(heldByPaused.sorted()), \(movedFromPaused.count) of them "
              + "taken over while it slept; \(stale.count) stale statuses")
        #expect(stale.isEmpty, "r2 held \(heldByPaused.sorted()), lost \(movedFromPaused.sorted()) and posted after it woke: \(stale)")
        #expect(killedWhileHolding > 0)
        // Every PR's environment said so on its head commit.
        for pr in prs {
            let success = statuses.contains {
                $0["_sha"] as? String == sha(pr) && $0["context"] as? String == "prenv/webapp" && $0["state"] as? String == "success"
            }
            #expect(success, "PR \(pr) has no success status")
        }

        // Closed (via the two living replicas): everything is destroyed, nothing left behind.
        let living = [urls[0], urls[1]]
        for (index, pr) in prs.enumerated() {
            let response = try await Self.send(delivery("closed", pr: pr, second: 60), to: living[index % 2], secret: serve.secret)
            #expect(response == 202)
        }
        for pr in prs {
            _ = try await serve.waitFor(pr: pr, state: "destroyed", seconds: 120)
            let left = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            #expect(left.isEmpty, "PR \(pr) left behind: \(left)")
        }
        let after = try await LocalAWS.callCounts(accessKey: serve.accessKey)
        #expect(after["codebuild.CreateProject"] == prs.count, "no environment was created again: \(after)")
    }

    /// The PR keys (`acme/webapp#N`) whose live lease `holder` has.
    static func keys(heldBy holder: String, on url: String) async throws -> Set<String> {
        let rows = try await PostgresServer.psql("SELECT key FROM prenv_leases WHERE holder = '\(holder)' AND expires_at > now()", on: url)
        return Set(rows.split(separator: "\n").map(String.init).filter { !$0.isEmpty })
    }

    /// Posts a signed delivery to one replica; returns the HTTP status.
    static func send(_ payload: PullRequestPayload, to url: URL, secret: String) async throws -> Int {
        let body = try payload.json()
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("webhooks/github"),
                                  headers: WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: UUID().uuidString), body: body)
        return try await CurlTransport().send(request).status
    }

    /// Polls `check` every 100 ms until it returns a value; fails after `seconds`.
    static func waitUntil<T>(seconds: Double, _ check: () async throws -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = try await check() { return value }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeHarness.Timeout(description: "condition not met within \(seconds) s")
    }
}
