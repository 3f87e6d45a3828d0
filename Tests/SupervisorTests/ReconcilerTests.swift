import Foundation
import GitHub
import Orchestrator
import Supervisor
import Testing

/// The reconciler's housekeeping: processed deliveries older than the retention are deleted, newer
/// ones kept (that unprocessed ones are never pruned is the inbox contract's `pruneDeletesOnlyOldProcessed`).
@Suite struct InboxHousekeepingTests {
    typealias F = SupervisorFixtures

    @Test func reconcilerPrunesOldProcessedDeliveries() async throws {
        let h = try SupervisorHarness()
        let old = Date().addingTimeInterval(-8 * 24 * 3600)
        let closed = try F.event("closed", sha: F.shaA, at: 0).json()
        _ = await h.inbox.append(deliveryID: "old", contentKey: "old", event: "pull_request", key: F.prKey, payload: closed, receivedAt: old)
        _ = await h.inbox.append(deliveryID: "recent", contentKey: "recent", event: "pull_request", key: F.prKey, payload: closed, receivedAt: Date())
        h.supervisor.wake(F.prKey)
        try #require(await h.quiet())
        await h.supervisor.reconcileOnce()
        #expect(await h.inbox.prune(processedBefore: Date().addingTimeInterval(-3600)) == 0, "the old one was already pruned")
        #expect(await h.inbox.prune(processedBefore: Date().addingTimeInterval(60)) == 1, "the recent one was kept")
    }
}

/// The reconciler retries a failed teardown (an environment whose PR is closed must not keep costing
/// money) after a backoff the machine keeps: counted from the failure, not from the worker's last
/// save, and saved with it, so a restart neither forgets it nor retries at once.
@Suite struct TeardownBackoffTests {
    typealias F = SupervisorFixtures

    @Test func reconcilerRetriesAFailedTeardown() async throws {
        let h = try SupervisorHarness()
        try await h.openReady()

        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        await h.operations.complete(1, .failure("AccessDenied: not authorized to perform s3:DeleteObject"))
        try #require(await h.quiet())
        let failed = await h.phase()
        guard case .failed(_, let reason) = failed else {
            Issue.record("expected failed after the failed destroy, got \(String(describing: failed))")
            return
        }
        #expect(reason.contains("AccessDenied"))
        #expect(await h.operations.count == 2, "a failed destroy is not retried on its own")

        await h.supervisor.reconcileOnce()
        #expect(await h.operations.count == 2, "the first retry waits a minute")
        h.clock.advance(by: 61)
        await h.supervisor.reconcileOnce()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .destroy)
        await h.operations.complete(2, .success)
        try #require(await h.quiet())

        #expect(await h.operations.operations == [.apply(sha: F.shaA), .destroy, .destroy])
        #expect(await h.phase() == .destroyed)
        let statuses = await h.flushedStatuses().filter { $0.status.context == F.context }
        #expect(statuses.contains { $0.status.state == .failure && $0.status.description?.hasPrefix("Teardown failed") == true },
                "\(statuses)")
        #expect(statuses.last?.status.state == .success)
    }

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

    @Test func theBackoffSurvivesARestart() async throws {
        let h = try SupervisorHarness()
        try await h.openReady()
        try await h.deliver(F.event("closed", sha: F.shaA, at: 30))
        try #require(await h.calls(2))
        await h.operations.complete(1, .failure("DeleteStack: AccessDenied"))
        try #require(await h.quiet())
        await h.supervisor.stop()

        let restarted = h.restartedSupervisor()
        try await restarted.start()
        h.clock.advance(by: 30)
        await restarted.reconcileOnce()
        #expect(await h.operations.count == 2, "30 s after the failure is too early, restart or not")
        h.clock.advance(by: 31)
        await restarted.reconcileOnce()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .destroy)
        await h.operations.complete(2, .success)
        try #require(await h.quiet(supervisor: restarted))
        #expect(await h.phase(in: restarted) == .destroyed)
        #expect(await h.savedRecord()?.machine.teardownBackoff == nil, "reset by the successful destroy")
    }
}
