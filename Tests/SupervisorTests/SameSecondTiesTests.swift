import Foundation
import GitHub
import Logging
import Orchestrator
import Supervisor
import LogCapture
import Testing
import WebhookSupport

/// A `reopened` and a `closed` of one `updated_at` second, in either arrival order: the worker asks
/// GitHub and ends where GitHub says the PR is, so an open PR keeps its environment and a closed
/// one does not. Without a token it falls back to arrival order; a failed lookup guesses nothing.
@Suite struct SameSecondTiesTests {
    typealias F = SupervisorFixtures

    /// PR #7 opened at 0 (ready at shaA), closed at 5 and destroyed.
    func closedAndDestroyed(_ lookup: FakePullRequests?, logger: Logger = Logger(label: "prenv.supervisor")) async throws
        -> SupervisorHarness
    {
        let h = try SupervisorHarness(pullRequests: lookup, logger: logger)
        try await h.openReady()
        try await h.deliver(F.event("closed", sha: F.shaA, at: 5))
        try #require(await h.calls(2))
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        #expect(await h.phase() == .destroyed)
        return h
    }

    /// Records `actions` of second 10 as one batch, then wakes the worker once.
    func deliverTogether(_ actions: [String], at second: Int = 10, to h: SupervisorHarness) async throws {
        for action in actions { try await h.append(F.event(action, sha: F.shaA, at: second)) }
        h.supervisor.wake(F.prKey)
    }

    /// Lets every operation started from now on succeed until the PR is drained and idle; returns
    /// the operations started after the first `after`.
    func runToQuiet(_ h: SupervisorHarness, after: Int) async throws -> [OperationCall] {
        try #require(await eventually("the PR drained, every operation finished") {
            for index in await h.operations.running { await h.operations.complete(index, .success) }
            guard await h.inbox.pending(key: F.prKey).isEmpty, await h.operations.running.isEmpty else { return false }
            return await h.supervisor.isIdle
        })
        return Array(await h.operations.operations.dropFirst(after))
    }

    @Test(arguments: [["reopened", "closed"], ["closed", "reopened"]])
    func gitHubSaysOpenSoTheEnvironmentComesBack(arrivals: [String]) async throws {
        let lookup = FakePullRequests()
        try await lookup.set(F.event("reopened", sha: F.shaA, at: 10))
        let h = try await closedAndDestroyed(lookup)
        try await deliverTogether(arrivals, to: h)
        #expect(try await runToQuiet(h, after: 2) == [.apply(sha: F.shaA)])
        #expect(await h.phase() == .ready(sha: F.shaA))
    }

    /// The apply a `reopened` asked for is dropped before it starts; what remains is at most a
    /// teardown, never a provisioned environment.
    @Test(arguments: [["reopened", "closed"], ["closed", "reopened"]])
    func gitHubSaysClosedSoNothingIsProvisioned(arrivals: [String]) async throws {
        let lookup = FakePullRequests()
        try await lookup.set(F.event("closed", sha: F.shaA, at: 10))
        let h = try await closedAndDestroyed(lookup)
        try await deliverTogether(arrivals, to: h)
        let later = try await runToQuiet(h, after: 2)
        #expect(later.allSatisfy { $0 == .destroy }, "provisioned a closed PR: \(later)")
        #expect(await h.phase() == .destroyed)
        #expect(await h.savedRecord()?.machine.unconfirmed == nil)
    }

    /// No token: the last-arrived event of the second wins, as before the rule existed.
    @Test(arguments: [(["closed", "reopened"], true), (["reopened", "closed"], false)])
    func withoutATokenArrivalOrderDecides(arrivals: [String], endsOpen: Bool) async throws {
        let h = try await closedAndDestroyed(nil)
        try await deliverTogether(arrivals, to: h)
        let later = try await runToQuiet(h, after: 2)
        #expect(later.contains(.apply(sha: F.shaA)) == endsOpen)
        #expect(await h.phase() == (endsOpen ? .ready(sha: F.shaA) : .destroyed))
    }

    /// Without a token the fallback is a configuration fact: said once, not at every tie.
    @Test func withoutATokenTheFallbackIsWarnedAboutOnce() async throws {
        let logs = CapturedLogs()
        let h = try await closedAndDestroyed(nil, logger: logs.logger())
        try await deliverTogether(["closed", "reopened"], at: 10, to: h)
        _ = try await runToQuiet(h, after: 2)
        try await deliverTogether(["reopened", "closed"], at: 20, to: h)
        _ = try await runToQuiet(h, after: 2)
        #expect(await h.phase() == .destroyed)  // arrival order: the close of second 20 came last
        #expect(logs.all.filter { $0.contains("no GitHub token") }.count == 1, "\(logs.all)")
    }

    /// GitHub down: the tie is held (saved), nothing runs on a guess; the reconciler asks again.
    @Test func aFailedLookupHoldsTheTieUntilGitHubAnswers() async throws {
        let lookup = FakePullRequests()
        let h = try await closedAndDestroyed(lookup)
        await lookup.fail(with: GitHubError(status: 502, message: "Bad Gateway"))
        try await deliverTogether(["closed", "reopened"], to: h)
        #expect(try await runToQuiet(h, after: 2).isEmpty)
        #expect(await lookup.failures > 0)
        #expect(await h.savedRecord()?.machine.unconfirmed != nil)

        await lookup.recover()
        try await lookup.set(F.event("reopened", sha: F.shaA, at: 10))
        await h.supervisor.reconcileOnce()
        #expect(try await runToQuiet(h, after: 2) == [.apply(sha: F.shaA)])
        #expect(await h.savedRecord()?.machine.unconfirmed == nil)
        #expect(await h.phase() == .ready(sha: F.shaA))
    }

    /// Reopened and closed within one second while ready, GitHub says open: never torn down.
    @Test func aReadyEnvironmentSurvivesACloseAndReopenOfOneSecond() async throws {
        let lookup = FakePullRequests()
        try await lookup.set(F.event("reopened", sha: F.shaA, at: 10))
        let h = try SupervisorHarness(pullRequests: lookup)
        try await h.openReady()
        try await deliverTogether(["reopened", "closed"], to: h)
        let later = try await runToQuiet(h, after: 1)
        #expect(!later.contains(.destroy), "an open PR's environment was torn down: \(later)")
        #expect(await h.phase() == .ready(sha: F.shaA))
    }
}
