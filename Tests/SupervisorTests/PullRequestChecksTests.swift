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

    func set(_ payload: PullRequestPayload) throws {
        answers[payload.number] = try PullRequestEvent.decode(from: try payload.json()).pullRequest
    }

    func fail(with error: any Error) { failure = error }

    func pullRequest(repository: String, number: Int) throws -> PullRequestEvent.PullRequest {
        if let failure { throw failure }
        guard let answer = answers[number] else { throw GitHubError(status: 404, message: "Not Found") }
        return answer
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

/// The reconciler's housekeeping: processed deliveries older than the retention are deleted, newer
/// ones kept (that unprocessed ones are never pruned is the inbox contract's `pruneDeletesOnlyOldProcessed`).
@Suite struct InboxHousekeepingTests {
    typealias F = SupervisorFixtures

    @Test func reconcilerPrunesOldProcessedDeliveries() async throws {
        let h = try SupervisorHarness()
        let old = Date().addingTimeInterval(-8 * 24 * 3600)
        let closed = try F.event("closed", sha: F.shaA, at: 0).json()
        _ = await h.inbox.append(deliveryID: "old", event: "pull_request", key: F.prKey, payload: closed, receivedAt: old)
        _ = await h.inbox.append(deliveryID: "recent", event: "pull_request", key: F.prKey, payload: closed, receivedAt: Date())
        h.supervisor.wake(F.prKey)
        try #require(await h.quiet())
        await h.supervisor.reconcileOnce()
        #expect(await h.inbox.prune(processedBefore: Date().addingTimeInterval(-3600)) == 0, "the old one was already pruned")
        #expect(await h.inbox.prune(processedBefore: Date().addingTimeInterval(60)) == 1, "the recent one was kept")
    }
}

/// The reconciler's teardown backoff counts from the failure, not from the worker's last save.
@Suite struct TeardownBackoffTests {
    typealias F = SupervisorFixtures

    @Test func activityOnTheSkippedPullRequestDoesNotPostponeTheRetry() async throws {
        let h = try SupervisorHarness()
        try await h.openReady()
        try await h.deliver(F.event("labeled", sha: F.shaA, at: 10, labels: ["no-preview"]))
        try #require(await h.calls(2))
        await h.operations.complete(1, .failure("DeleteProject: AccessDeniedException"))
        try #require(await h.quiet())

        h.clock.advance(by: 40)
        try await h.deliver(F.event("synchronize", sha: F.shaB, at: 20, labels: ["no-preview"]))  // saved again, still skipped
        try #require(await h.quiet())
        await h.supervisor.reconcileOnce()
        #expect(await h.operations.count == 2, "40 s after the failure is too early")
        h.clock.advance(by: 21)
        await h.supervisor.reconcileOnce()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .destroy)
    }
}
