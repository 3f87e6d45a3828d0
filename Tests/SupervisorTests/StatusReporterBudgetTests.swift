import Foundation
import GitHub
import HTTPTransport
import Supervisor
import Testing
import TestServices

/// Counts the client's own sleeps: a scheduled write must never wait inside `perform`.
actor SleepCounter {
    private(set) var waits: [Duration] = []
    func add(_ duration: Duration) { waits.append(duration) }
}

/// `StatusReporter` against the GitHub stand-in enforcing secondary write limits (time scaled, so a
/// minute lasts a second): nothing beyond the limit is sent, finals all land, superseded writes are
/// shed, and a secondary limit GitHub answers anyway pauses the token and the final still lands.
@Suite struct StatusReporterBudgetTests {
    static let repo = "acme/webapp"

    static func sha(_ n: Int) -> String { String(format: "%040x", n) }

    static func client(_ standin: StandinProcess, sleeps: SleepCounter) -> GitHubClient {
        GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), userAgent: "prenv-tests",
                     retryPolicy: .forScheduledWrites, sleep: { duration in
                         await sleeps.add(duration)
                         try await Task.sleep(for: duration)
                     })
    }

    /// Latest state per (sha, context) as the stand-in shows it.
    static func shown(_ standin: StandinProcess) async throws -> [String: String] {
        var latest: [String: String] = [:]
        for status in try await standin.received().statuses {
            guard let context = status["context"] as? String, let state = status["state"] as? String else { continue }
            let sha = (status["_sha"] as? String) ?? "?"
            latest["\(sha)/\(context)"] = state
        }
        return latest
    }

    @Test func withinTheLimitsEveryFinalLandsAndNothingIsRefused() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        // 5 a minute and 30 an hour, a minute lasting a second.
        try await standin.enforceWriteLimits(perMinute: 5, perHour: 30, timeScale: 60)
        let sleeps = SleepCounter()
        let reporter = StatusReporter(poster: GitHubStatusPoster(client: Self.client(standin, sleeps: sleeps)),
                                      configuration: WriteBudget.Configuration(perMinute: 5, perHour: 30, timeScale: 60))
        let run = Task { await reporter.run() }
        let pulls = 1...4
        for pr in pulls {
            let sha = Self.sha(pr)
            reporter.headMoved(repository: Self.repo, pullRequest: pr, to: sha)
            reporter.submit(repository: Self.repo, sha: sha, status: CommitStatus(state: .pending, context: "prenv/web", description: "Provisioning"),
                            pullRequest: pr)
            for stage in ["Build", "Deploy"] {
                reporter.submit(repository: Self.repo, sha: sha, status: CommitStatus(state: .success, context: "prenv/web/\(stage)", description: "done"),
                                pullRequest: pr)
            }
            reporter.submit(repository: Self.repo, sha: sha, status: CommitStatus(state: .success, context: "prenv/web", description: "Ready"),
                            pullRequest: pr)
        }
        reporter.finish()
        await run.value

        let counts = try await standin.writeLimitCounts()
        let statistics = await reporter.statistics()
        #expect(counts.refused == 0, "the stand-in refused \(counts.refused) writes for the secondary limit")
        #expect(statistics.rateLimitPauses == 0)
        #expect(counts.accepted == statistics.requests)
        let shown = try await Self.shown(standin)
        for pr in pulls {
            // Each summary's pending was replaced in the queue by its success, or sent before it.
            #expect(shown["\(Self.sha(pr))/prenv/web"] == "success")
            #expect(shown["\(Self.sha(pr))/prenv/web/Build"] == "success")
            #expect(shown["\(Self.sha(pr))/prenv/web/Deploy"] == "success")
        }
        #expect(statistics.sent[.commitStatus, default: 0] == counts.accepted)
        #expect(statistics.sent[.commitStatus, default: 0] + statistics.totalDropped == 16)
        #expect(await sleeps.waits.isEmpty)
    }

    @Test func anInjectedSecondaryLimitPausesTheTokenAndTheFinalStillLands() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        try await standin.enforceWriteLimits(perMinute: 80, perHour: 500)
        _ = try await standin.admin("faults", ["secondary_rate_limit": true, "retry_after": 2, "count": 1])
        let sleeps = SleepCounter()
        let reporter = StatusReporter(poster: GitHubStatusPoster(client: Self.client(standin, sleeps: sleeps)))
        let run = Task { await reporter.run() }
        let started = Date()

        reporter.submit(repository: Self.repo, sha: Self.sha(1), status: CommitStatus(state: .success, context: "prenv/web", description: "Ready"),
                        pullRequest: 1)
        let paused = await eventually("the injected secondary limit to pause the sender") { await reporter.statistics().rateLimitPauses == 1 }
        #expect(paused)
        // While paused: PR 2's first commit is superseded (its queued pending is shed; a final said
        // about it afterwards, such as "superseded", still goes), and its stage's pending by its success.
        reporter.submit(repository: Self.repo, sha: Self.sha(20), status: CommitStatus(state: .pending, context: "prenv/web", description: "Provisioning"),
                        pullRequest: 2)
        reporter.headMoved(repository: Self.repo, pullRequest: 2, to: Self.sha(21))
        reporter.submit(repository: Self.repo, sha: Self.sha(20), status: CommitStatus(state: .failure, context: "prenv/web", description: "late"),
                        pullRequest: 2)
        reporter.submit(repository: Self.repo, sha: Self.sha(21), status: CommitStatus(state: .pending, context: "prenv/web/Build", description: "Building"),
                        pullRequest: 2)
        reporter.submit(repository: Self.repo, sha: Self.sha(21), status: CommitStatus(state: .success, context: "prenv/web/Build", description: "Built"),
                        pullRequest: 2)
        reporter.submit(repository: Self.repo, sha: Self.sha(21), status: CommitStatus(state: .success, context: "prenv/web", description: "Ready"),
                        pullRequest: 2)
        reporter.finish()
        await run.value

        let statistics = await reporter.statistics()
        let counts = try await standin.writeLimitCounts()
        let requests = try await standin.received().requests
        // The fault fired once (the first request), and the retry waited for its Retry-After.
        #expect(requests.count == 5, "expected the refused write, its retry and PR 2's three statuses, saw \(requests.count) requests")
        #expect(Date().timeIntervalSince(started) >= 2)
        #expect(counts.refused == 0)
        let shown = try await Self.shown(standin)
        #expect(shown == [
            "\(Self.sha(1))/prenv/web": "success",
            "\(Self.sha(20))/prenv/web": "failure",
            "\(Self.sha(21))/prenv/web/Build": "success",
            "\(Self.sha(21))/prenv/web": "success",
        ])
        #expect(statistics.dropped[.supersededHead] == 1)
        #expect(statistics.dropped[.supersededByKey] == 1)
        #expect(statistics.rateLimitPauses == 1)
        // The client did not sleep on the rate limit itself: the scheduler did the waiting.
        #expect(await sleeps.waits.isEmpty)
    }

    @Test func aRefusalThatIsNotARateLimitIsDroppedWithoutAPause() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        // A missing permission (403 without any rate-limit sign) and a validation error (422).
        _ = try await standin.admin("faults", ["status": 403, "message": "Resource not accessible by integration", "count": 1])
        _ = try await standin.admin("faults", ["status": 422, "message": "Validation Failed", "count": 1])
        let sleeps = SleepCounter()
        let reporter = StatusReporter(poster: GitHubStatusPoster(client: Self.client(standin, sleeps: sleeps)))
        let run = Task { await reporter.run() }
        for context in ["prenv/a", "prenv/b", "prenv/c"] {
            reporter.submit(repository: Self.repo, sha: Self.sha(3), status: CommitStatus(state: .success, context: context, description: "ok"))
        }
        reporter.finish()
        await run.value
        let statistics = await reporter.statistics()
        #expect(statistics.dropped[.refused] == 2)
        #expect(statistics.rateLimitPauses == 0)
        #expect(statistics.sent[.commitStatus] == 1)
        #expect(try await standin.received().requests.count == 3)
        #expect(try await Self.shown(standin) == ["\(Self.sha(3))/prenv/c": "success"])
    }
}
