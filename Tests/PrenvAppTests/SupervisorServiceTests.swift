import Foundation
import GitHub
@testable import PrenvApp
import Supervisor
import Testing

/// Statuses queued when `prenv serve` stops: posted if GitHub answers, abandoned after the grace
/// period if it does not, so a hung GitHub cannot keep the process from exiting.
@Suite struct SupervisorServiceTests {
    actor CountingPoster: CommitStatusPoster {
        private(set) var posted: [String] = []
        let hangs: Bool

        init(hangs: Bool) { self.hangs = hangs }

        func post(repository: String, sha: String, status: CommitStatus) async throws {
            if hangs { try await Task.sleep(for: .seconds(3600)) }
            posted.append(status.context)
        }
    }

    static func queue(_ count: Int, on reporter: StatusReporter) {
        for index in 0..<count {
            reporter.submit(repository: "acme/webapp", sha: "abc", status: CommitStatus(state: .pending, context: "prenv/\(index)", description: nil))
        }
    }

    @Test func queuedStatusesGoOutBeforeShutdownEnds() async {
        let poster = CountingPoster(hangs: false)
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)  // what is written, not when: the budget has its own tests
        Self.queue(3, on: reporter)
        let posting = Task { await reporter.run() }
        await SupervisorService.drain(posting, reporter: reporter, within: .seconds(30))
        #expect(await poster.posted == ["prenv/0", "prenv/1", "prenv/2"])
    }

    @Test(.timeLimit(.minutes(1))) func aHungGitHubIsAbandonedAfterTheGracePeriod() async {
        let poster = CountingPoster(hangs: true)
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)  // what is written, not when: the budget has its own tests
        Self.queue(1, on: reporter)
        let posting = Task { await reporter.run() }
        let clock = ContinuousClock()
        let elapsed = await clock.measure {
            await SupervisorService.drain(posting, reporter: reporter, within: .milliseconds(200))
        }
        // The poster hangs for an hour: returning at all is the point. The bound is far from both the
        // hour and the 200 ms grace, since the cooperative pool of a loaded two-core machine can stall
        // the drain's tasks for seconds (seen at 10 s with every suite running in parallel).
        #expect(elapsed < .seconds(50), "drain waited \(elapsed)")
        #expect(await poster.posted.isEmpty)
    }
}
