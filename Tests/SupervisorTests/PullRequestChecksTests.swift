import Foundation
import GitHub
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// GitHub as the reconciler sees it: a PR per number, or a failure.
actor FakePullRequests: PullRequestLookup {
    var answers: [Int: PullRequestEvent.PullRequest] = [:]
    var failure: (any Error)?
    /// Lookups answered with `failure`, so a test can tell the fault fired.
    private(set) var failures = 0
    /// Every lookup asked, answered or not.
    private(set) var lookups = 0

    func set(_ payload: PullRequestPayload) throws {
        answers[payload.number] = try PullRequestEvent.decode(from: try payload.json()).pullRequest
    }

    func fail(with error: any Error) { failure = error }

    func recover() { failure = nil }

    func pullRequest(repository: String, number: Int) throws -> PullRequestEvent.PullRequest {
        lookups += 1
        if let failure {
            failures += 1
            throw failure
        }
        guard let answer = answers[number] else { throw GitHubError(status: 404, message: "Not Found") }
        return answer
    }

    /// Not used by these tests (the listing is tested against the stand-in): says so if it is.
    func openPullRequests(repository: String) throws -> PullRequestListing {
        throw GitHubError(status: 0, message: "FakePullRequests does not list; use the stand-in")
    }
}

/// `checkPullRequests`: webhooks GitHub never delivered are caught up from the PR's current state.
@Suite struct PullRequestChecksTests {
    typealias F = SupervisorFixtures

    /// A supervisor whose PR is ready at shaA after a real `opened` webhook.
    func ready(_ lookup: FakePullRequests) async throws -> SupervisorHarness {
        let h = try SupervisorHarness(pullRequests: lookup)
        try await h.openReady()
        return h
    }

    @Test func aClosedPullRequestWhoseWebhookWasLostIsDestroyed() async throws {
        let lookup = FakePullRequests()
        let h = try await ready(lookup)
        try await lookup.set(F.event("closed", sha: F.shaA, at: 30))
        await h.supervisor.checkPullRequests()
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .destroy)
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        #expect(await h.phase() == .destroyed)
    }

    @Test func aLostPushIsApplied() async throws {
        let lookup = FakePullRequests()
        let h = try await ready(lookup)
        try await lookup.set(F.event("synchronize", sha: F.shaB, at: 30))
        await h.supervisor.checkPullRequests()
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .apply(sha: F.shaB))
    }

    @Test func anAnswerOlderThanTheLastWebhookChangesNothing() async throws {
        let lookup = FakePullRequests()
        let h = try await ready(lookup)
        // GitHub's answer predates the opened webhook prenv already acted on (a cached or slow read).
        try await lookup.set(F.event("closed", sha: F.shaB, at: -30))
        await h.supervisor.checkPullRequests()
        try #require(await h.quiet())
        #expect(await h.operations.count == 1)
        #expect(await h.phase() == .ready(sha: F.shaA))
    }

    @Test func aFailedLookupNeverDestroysAnything() async throws {
        let lookup = FakePullRequests()
        let h = try await ready(lookup)
        await h.supervisor.checkPullRequests()  // 404: GitHub does not know the PR (or the token cannot see it)
        await lookup.fail(with: GitHubError(status: 502, message: "Bad Gateway"))
        await h.supervisor.checkPullRequests()
        try #require(await h.quiet())
        #expect(await h.operations.count == 1)
        #expect(await h.phase() == .ready(sha: F.shaA))
    }
}
