import Blueprint
import Foundation
import Orchestrator
@testable import Supervisor
import Testing

/// `/metrics` recomputes the sampled gauges (`prenv_environments`, `prenv_inbox_pending_events`)
/// only when the last computation is ten of its own durations old, and never twice at once.
@Suite struct GaugeSamplingTests {
    let zero = ContinuousClock.now

    /// `begin` outside `#expect`, which cannot call a mutating method.
    func begins(_ sampling: inout GaugeSampling, at time: ContinuousClock.Instant) -> Bool { sampling.begin(at: time) }

    @Test func theFirstScrapeSamplesAndTheNextWaitsTenTimesTheSamplesOwnDuration() {
        var sampling = GaugeSampling()
        #expect(begins(&sampling, at: zero))
        sampling.end(started: zero, at: zero + .milliseconds(300))  // 300 ms to read every record
        #expect(!begins(&sampling, at: zero + .milliseconds(301)))
        #expect(!begins(&sampling, at: zero + .milliseconds(2_999)))
        #expect(begins(&sampling, at: zero + .seconds(3)))
    }

    @Test func aCheapSampleIsTakenAtEveryScrape() {
        var sampling = GaugeSampling()
        var time = zero
        for _ in 0..<5 {
            #expect(begins(&sampling, at: time))
            sampling.end(started: time, at: time + .microseconds(200))
            time += .seconds(15)  // Prometheus's usual interval
        }
    }

    @Test func concurrentScrapesSampleOnceAndAFailureLetsTheNextOneTry() {
        var sampling = GaugeSampling()
        #expect(begins(&sampling, at: zero))
        #expect(!begins(&sampling, at: zero + .seconds(59)), "one sample at a time")
        sampling.failed()
        #expect(begins(&sampling, at: zero + .seconds(59)))
    }

    @Test func aSlowOrStuckSampleHoldsTheNextOneOffForAMinuteAtMost() {
        var sampling = GaugeSampling()
        #expect(begins(&sampling, at: zero))
        sampling.end(started: zero, at: zero + .seconds(30))  // a database hiccup: 10 × 30 s would be 5 minutes
        #expect(!begins(&sampling, at: zero + .seconds(59)))
        #expect(begins(&sampling, at: zero + .seconds(60)))
        // This one never comes back (an await that hangs): a minute on, the next scrape samples anyway.
        #expect(!begins(&sampling, at: zero + .seconds(119)))
        #expect(begins(&sampling, at: zero + .seconds(120)))
    }
}

/// The gauge's counts are the report's states, without building the report.
@Suite struct EnvironmentStateCountsTests {
    @Test func stateCountsAgreeWithTheReportsStates() {
        let sha = String(repeating: "a", count: 40)
        func key(_ pr: Int) -> EnvironmentKey { EnvironmentKey(repository: "acme/webapp", pr: pr, blueprint: "preview") }
        func record(_ pr: Int, _ state: EnvironmentPhase) -> EnvironmentRecord {
            EnvironmentRecord(key: key(pr), envName: "preview-pr\(pr)", headSHA: sha, state: state, nodes: [:], updatedAt: Date())
        }
        var machine = EnvironmentStateMachine()
        _ = machine.handle(.opened(PRSnapshot(repository: "acme/webapp", headSHA: sha, sequence: 1_000), .provision))
        let pullRequest = PRContext(owner: "acme", repository: "webapp", number: 1, headSHA: sha, headRef: "f", baseRef: "main", author: "octocat")
        // #1: a record and a worker (the worker's machine decides); #2, #3: records only; #4: a worker only.
        let records = [record(1, .failed(sha: sha, reason: "x")), record(2, .ready(sha: sha)), record(3, .failed(sha: sha, reason: "y"))]
        let workers = [1, 4].map { WorkerRecord(key: key($0), machine: machine, pullRequest: pullRequest, revision: 1, updatedAt: Date()) }
        let report = EnvironmentsReport(records: records, workers: workers)
        let counts = EnvironmentsReport.stateCounts(recordPhases: Dictionary(uniqueKeysWithValues: records.map { ($0.key, $0.state.name) }),
                                                    workerPhases: Dictionary(uniqueKeysWithValues: workers.map { ($0.key, $0.machine.phase.name) }))
        #expect(counts == Dictionary(grouping: report.environments, by: \.state).mapValues(\.count))
        #expect(counts.values.reduce(0, +) == 4 && counts["failed"] == 1, "\(counts)")
    }
}
