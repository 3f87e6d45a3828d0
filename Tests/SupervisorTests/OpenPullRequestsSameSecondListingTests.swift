import Foundation
import GitHub
import LogCapture
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// GitHub scripted per test: the listing (as read, possibly before an event of its second) and the
/// single-PR answer (GitHub now), each counted, so a test can tell which was asked.
actor ScriptedPullRequests: PullRequestLookup {
    private var listed: [ListedPullRequest] = []
    private var answers: [Int: PullRequestEvent.PullRequest] = [:]
    private var lookupFailure: (any Error)?
    private(set) var lookups = 0
    private(set) var listings = 0

    /// The listing returns these PRs (their `pull_request` objects, as a listing page holds them).
    func list(_ payloads: PullRequestPayload...) throws {
        listed = try payloads.map { payload in
            let root = try #require(try JSONSerialization.jsonObject(with: try payload.json()) as? [String: Any])
            let json = try JSONSerialization.data(withJSONObject: try #require(root["pull_request"]), options: [.sortedKeys])
            return ListedPullRequest(pullRequest: try PullRequestEvent.decode(from: try payload.json()).pullRequest, json: json)
        }
    }

    /// `GET /repos/{o}/{r}/pulls/{n}` answers this (GitHub's view now).
    func answer(_ payload: PullRequestPayload) throws {
        answers[payload.number] = try PullRequestEvent.decode(from: try payload.json()).pullRequest
    }

    func failLookups(with error: any Error) { lookupFailure = error }

    func pullRequest(repository: String, number: Int) throws -> PullRequestEvent.PullRequest {
        lookups += 1
        if let lookupFailure { throw lookupFailure }
        guard let answer = answers[number] else { throw GitHubError(status: 404, message: "Not Found") }
        return answer
    }

    func openPullRequests(repository: String) -> PullRequestListing {
        listings += 1
        return PullRequestListing(pullRequests: listed, fetchedPages: 1, notModifiedPages: 0)
    }
}

/// A listing is read, then absorbed, with awaits between: an event of the same `updated_at` second
/// applied meanwhile must not be undone by the older read. Listing entries are fed only where
/// strictly newer; a same-second disagreement is settled by the single-PR lookup (GitHub now).
@Suite struct OpenPullRequestsSameSecondListingTests {
    typealias F = SupervisorFixtures

    struct Setup {
        let github: ScriptedPullRequests
        let harness: SupervisorHarness
        let logs: CapturedLogs
    }

    /// The literally named repository (a glob is not listed), PR #7 ready at shaA (opened at 0).
    func ready() async throws -> Setup {
        let github = ScriptedPullRequests()
        let logs = CapturedLogs()
        let harness = try SupervisorHarness(blueprints: [OpenPullRequestsCatchUpTests.literal()], pullRequests: github, logger: logs.logger())
        try await harness.openReady()
        return Setup(github: github, harness: harness, logs: logs)
    }

    /// Ready, then closed at second 10 and torn down.
    func closedAt10() async throws -> Setup {
        let s = try await ready()
        try await s.harness.deliver(F.event("closed", sha: F.shaA, at: 10))
        try #require(await s.harness.calls(2))
        #expect(await s.harness.operations.call(1)?.operation == .destroy)
        await s.harness.operations.complete(1, .success)
        try #require(await s.harness.quiet())
        #expect(await s.harness.phase() == .destroyed)
        return s
    }

    @Test func aListingReadBeforeASameSecondCloseDoesNotReopen() async throws {
        let s = try await closedAt10()
        let h = s.harness
        try await s.github.list(F.event("synchronize", sha: F.shaA, at: 10))  // read just before the close
        try await s.github.answer(F.event("closed", sha: F.shaA, at: 10))

        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.quiet())
        #expect(await s.github.listings == 1)
        #expect(await s.github.lookups == 1, "the same-second disagreement was put to GitHub")
        #expect(await h.operations.operations == [.apply(sha: F.shaA), .destroy], "no apply")
        #expect(await h.phase() == .destroyed)
        #expect(!s.logs.joined.contains("reopened while prenv was not listening"), "\(s.logs.joined)")
    }

    @Test func aSameSecondReopenIsTakenFromGitHubsAnswer() async throws {
        let s = try await closedAt10()
        let h = s.harness
        try await s.github.list(F.event("synchronize", sha: F.shaA, at: 10))
        try await s.github.answer(F.event("reopened", sha: F.shaA, at: 10))  // GitHub: reopened in that second

        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .apply(sha: F.shaA))
        #expect(await s.github.lookups == 1)
        #expect(s.logs.all.contains { $0.contains("caught up with a pull request reopened while prenv was not listening") })
    }

    @Test func aListingReadBeforeASameSecondPushDoesNotUndoIt() async throws {
        let s = try await ready()
        let h = s.harness
        try await h.deliver(F.event("synchronize", sha: F.shaB, at: 10))
        try #require(await h.calls(2))
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        try await s.github.list(F.event("synchronize", sha: F.shaA, at: 10))  // read just before the push
        try await s.github.answer(F.event("synchronize", sha: F.shaB, at: 10))

        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.quiet())
        #expect(await s.github.lookups == 1, "the same-second disagreement was put to GitHub")
        #expect(await h.operations.operations == [.apply(sha: F.shaA), .apply(sha: F.shaB)])
        #expect(await h.phase() == .ready(sha: F.shaB))
    }

    @Test func aListingThatAgreesOrIsOlderCostsNoLookupAndChangesNothing() async throws {
        let s = try await ready()
        let h = s.harness
        try await s.github.list(F.event("synchronize", sha: F.shaA, at: 0))  // what the machine accepted
        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.quiet())

        try await h.deliver(F.event("synchronize", sha: F.shaB, at: 10))
        try #require(await h.calls(2))
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        await h.supervisor.checkPullRequestsOnce()  // the listing (second 0) is now older than the push
        try #require(await h.quiet())

        #expect(await s.github.listings == 2)
        #expect(await s.github.lookups == 0)
        #expect(await h.operations.operations == [.apply(sha: F.shaA), .apply(sha: F.shaB)])
        #expect(await h.phase() == .ready(sha: F.shaB))
    }

    @Test func aNewerListingIsStillAppliedWithoutALookup() async throws {
        let s = try await ready()
        let h = s.harness
        try await s.github.list(F.event("synchronize", sha: F.shaB, at: 30))  // a push whose webhook was lost
        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .apply(sha: F.shaB))
        #expect(await s.github.lookups == 0)
    }

    /// Lines logged at warning or above since `start`.
    func failureLines(_ logs: CapturedLogs, since start: Int) -> [String] {
        logs.all.dropFirst(start).filter { $0.hasPrefix("warning") || $0.hasPrefix("error") || $0.hasPrefix("critical") }
    }

    /// Cancellation (shutting down) while asking GitHub about a same-second tie ends the pass:
    /// nothing changes, nothing is logged as a failure.
    @Test func aCancelledLookupOfASameSecondTieEndsThePassQuietly() async throws {
        let s = try await closedAt10()
        let h = s.harness
        try await s.github.list(F.event("synchronize", sha: F.shaA, at: 10))
        await s.github.failLookups(with: CancellationError())
        let start = s.logs.all.count

        await h.supervisor.checkPullRequestsOnce()
        #expect(await s.github.lookups == 1, "the lookup was asked and cancelled")
        #expect(await h.operations.count == 2)
        #expect(await h.phase() == .destroyed)
        #expect(failureLines(s.logs, since: start).isEmpty, "\(failureLines(s.logs, since: start))")
    }

    /// The same for the per-PR check of an open PR missing from the listing.
    @Test func aCancelledCheckEndsThePassQuietly() async throws {
        let s = try await ready()
        let h = s.harness
        try await s.github.list()  // #7 is not in the listing: it is looked up
        await s.github.failLookups(with: CancellationError())
        let start = s.logs.all.count

        await h.supervisor.checkPullRequestsOnce()
        #expect(await s.github.lookups == 1, "the lookup was asked and cancelled")
        #expect(await h.operations.count == 1)
        #expect(await h.phase() == .ready(sha: F.shaA))
        #expect(failureLines(s.logs, since: start).isEmpty, "\(failureLines(s.logs, since: start))")
    }

    /// Shutting down while the listing records a never-seen PR: nothing recorded, nothing logged as
    /// a failure; the next pass records it.
    @Test func cancellationWhileRecordingAListedPullRequestEndsThePassQuietly() async throws {
        let github = ScriptedPullRequests()
        let logs = CapturedLogs()
        let interrupting = LockedBox<InterruptibleInbox?>(nil)
        let h = try SupervisorHarness(blueprints: [OpenPullRequestsCatchUpTests.literal()], pullRequests: github, logger: logs.logger(),
                                      inboxSeenBySupervisor: { inbox in
                                          let wrapper = InterruptibleInbox(inbox)
                                          interrupting.value = wrapper
                                          return wrapper
                                      })
        let inbox = try #require(interrupting.value)
        try await github.list(F.event("opened", sha: F.shaA, at: 0))  // opened while prenv was not listening

        await inbox.interruptReads(true)
        await h.supervisor.catchUpOnOpenPullRequests()
        #expect(await inbox.interruptedReads == 1, "the inbox read was interrupted")
        #expect(await h.inbox.pendingKeys().isEmpty, "nothing recorded")
        let failures = logs.all.filter { $0.hasPrefix("warning") || $0.hasPrefix("error") }
        #expect(failures.isEmpty, "\(failures)")

        await inbox.interruptReads(false)
        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.calls(1))
        #expect(await h.operations.call(0)?.operation == .apply(sha: F.shaA))
    }
}

/// The in-memory inbox, whose `pending(key:)` throws `CancellationError` while told to: a read
/// interrupted by shutdown.
actor InterruptibleInbox: EventInbox {
    let inner: InMemoryEventInbox
    private var interrupting = false
    private(set) var interruptedReads = 0

    init(_ inner: InMemoryEventInbox) { self.inner = inner }

    func interruptReads(_ on: Bool) { interrupting = on }

    func pending(key: String) async throws -> [InboxEvent] {
        if interrupting {
            interruptedReads += 1
            throw CancellationError()
        }
        return await inner.pending(key: key)
    }

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date)
        async -> InboxAppendResult {
        await inner.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload, receivedAt: receivedAt)
    }
    func pendingKeys() async -> [String] { await inner.pendingKeys() }
    func markProcessed(key: String, through sequence: Int64) async { await inner.markProcessed(key: key, through: sequence) }
    func prune(processedBefore date: Date) async -> Int { await inner.prune(processedBefore: date) }
}
