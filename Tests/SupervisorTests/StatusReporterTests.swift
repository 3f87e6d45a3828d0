import Foundation
import GitHub
import Supervisor
import Testing
import WebhookSupport

/// Set once, read by the test.
actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

/// `StatusReporter`: ordered, deduplicated, failure-tolerant, and finite once finished.
@Suite struct StatusReporterTests {
    static let repo = "acme/webapp"
    static let sha1 = String(repeating: "1", count: 40)
    static let sha2 = String(repeating: "2", count: 40)

    static func status(_ state: CommitStatus.State, _ description: String, context: String = "prenv/preview") -> CommitStatus {
        CommitStatus(state: state, context: context, description: description)
    }

    /// Submits one status and waits until the reporter has sent or dropped it, so each test line
    /// meets a reporter that has kept up. (Writes that wait together are reordered and coalesced by
    /// `WriteQueue`, whose rules `WriteQueueTests` table-tests.)
    struct OneAtATime {
        let reporter: StatusReporter
        private let submitted = Counter()

        init(_ reporter: StatusReporter) { self.reporter = reporter }

        func submit(repository: String, sha: String, status: CommitStatus) async {
            reporter.submit(repository: repository, sha: sha, status: status)
            let expected = await submitted.increment()
            _ = await eventually("the reporter to send or drop status \(expected)") {
                let statistics = await reporter.statistics()
                return statistics.totalSent + statistics.totalDropped == expected
            }
        }
    }

    actor Counter {
        private var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }

    /// Runs `reporter` over everything submitted by `body`, then finishes it and waits for `run()` to end.
    static func drain(_ poster: RecordingStatusPoster, _ body: (OneAtATime) async -> Void) async {
        let reporter = StatusReporter(poster: poster)
        let run = Task { await reporter.run() }
        await body(OneAtATime(reporter))
        reporter.finish()
        await run.value
    }

    @Test func statusesArePostedInSubmissionOrder() async {
        let poster = RecordingStatusPoster()
        let submitted = [
            PostedStatus(repository: Self.repo, sha: Self.sha1, status: Self.status(.pending, "Provisioning 2 resources")),
            PostedStatus(repository: Self.repo, sha: Self.sha1, status: Self.status(.pending, "Creating", context: "prenv/preview/artifacts")),
            PostedStatus(repository: "acme/api", sha: Self.sha2, status: Self.status(.pending, "Provisioning", context: "prenv/api")),
            PostedStatus(repository: Self.repo, sha: Self.sha1, status: Self.status(.success, "Created in 1.0 s", context: "prenv/preview/artifacts")),
            PostedStatus(repository: "acme/api", sha: Self.sha2, status: Self.status(.failure, "Provisioning failed", context: "prenv/api")),
            PostedStatus(repository: Self.repo, sha: Self.sha1, status: Self.status(.success, "Environment ready")),
        ]

        await Self.drain(poster) { reporter in
            for item in submitted { await reporter.submit(repository: item.repository, sha: item.sha, status: item.status) }
        }

        #expect(await poster.posted == submitted)
    }

    @Test func anUnchangedStatusIsPostedOnce() async {
        let poster = RecordingStatusPoster()
        let pending = Self.status(.pending, "Provisioning")
        let success = Self.status(.success, "Environment ready")

        await Self.drain(poster) { reporter in
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: pending)
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: pending)  // same: dropped
            await reporter.submit(repository: Self.repo, sha: Self.sha2, status: pending)  // other commit: posted
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: Self.status(.pending, "Provisioning", context: "prenv/other"))  // other context
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: success)
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: success)  // same: dropped
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: pending)  // changed back: posted
        }

        let posted = await poster.posted
        #expect(posted.map(\.sha) == [Self.sha1, Self.sha2, Self.sha1, Self.sha1, Self.sha1])
        #expect(posted.map(\.status) == [pending, pending, Self.status(.pending, "Provisioning", context: "prenv/other"), success, pending])
    }

    @Test func aRefusedStatusDoesNotStopLaterOnes() async {
        let poster = RecordingStatusPoster(refuse: { $0.description == "refused" })
        let first = Self.status(.pending, "first")
        let refused = Self.status(.failure, "refused")
        let later = Self.status(.success, "later")

        await Self.drain(poster) { reporter in
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: first)
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: refused)
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: later)
            await reporter.submit(repository: Self.repo, sha: Self.sha2, status: Self.status(.pending, "after", context: "prenv/api"))
        }

        #expect(await poster.posted.map(\.status) == [first, later, Self.status(.pending, "after", context: "prenv/api")])
        #expect(await poster.refused.map(\.status) == [refused])
    }

    @Test func aRefusedStatusIsNotTakenAsPosted() async {
        // A status GitHub refused was never shown, so submitting it again tries again.
        let poster = RecordingStatusPoster(refuse: { $0.description == "refused" })
        let refused = Self.status(.failure, "refused")

        await Self.drain(poster) { reporter in
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: refused)
            await reporter.submit(repository: Self.repo, sha: Self.sha1, status: refused)
        }

        #expect(await poster.refused.count == 2)
        #expect(await poster.posted.isEmpty)
    }

    @Test func finishEndsRunOnceTheQueueIsPosted() async {
        let poster = RecordingStatusPoster()
        let reporter = StatusReporter(poster: poster)
        let ended = Flag()
        let run = Task {
            await reporter.run()
            await ended.set()
        }

        reporter.submit(repository: Self.repo, sha: Self.sha1, status: Self.status(.pending, "one"))
        let postedFirst = await eventually("the first status to be posted") { await poster.posted.count == 1 }
        #expect(postedFirst)
        // Nothing has finished it: run() keeps waiting for more.
        #expect(await ended.isSet == false)

        reporter.submit(repository: Self.repo, sha: Self.sha1, status: Self.status(.success, "two"))
        reporter.finish()
        reporter.submit(repository: Self.repo, sha: Self.sha1, status: Self.status(.failure, "after finish"))

        let didEnd = await eventually("run() to return after finish()") { await ended.isSet }
        #expect(didEnd)
        await run.value
        #expect(await poster.posted.map(\.status.description) == ["one", "two"])
    }
}
