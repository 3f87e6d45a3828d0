import AWSServices
import Foundation
import LocalAWSSupport
import SeededRandom
import Testing
import WebhookSupport

/// `kill -9` at random moments while environments are being provisioned, updated and destroyed,
/// under bad AWS weather (20 % throttling, 5 % 5xx, 200 ms added latency on every call prenv makes);
/// after each kill a new server starts on the same state. Judged by `CrashAudit` at two checkpoints
/// (after the random events; after closing the rest): every PR shows the effect of its newest
/// accepted delivery (state, commit, and the commit status on its last head), each open PR has each
/// resource exactly once, each closed PR has nothing left.
///
/// `PRENV_CRASH_TRIALS` sets the number of kills (CI keeps the default; `make crash-bench` runs 100),
/// the number of PRs grows with it; `PRENV_CRASH_SEED` replays a run (the seed is printed).
@Suite struct ServeCrashTests {
    /// Small, so CI's run stays about as long as before the faults were added.
    static let defaultTrials = 20

    /// Enough PRs that kills keep landing on provisioning, updating and teardown at any trial count.
    static func pullRequests(forTrials trials: Int) -> Int { max(8, trials / 3) }

    enum Life { case unopened, open, closed }

    @Test func sigkillAtRandomMomentsUnderAWSFaultsConvergesWithNothingLostOrphanedOrDuplicated() async throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["PRENV_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        let trials = max(3, environment["PRENV_CRASH_TRIALS"].flatMap(Int.init) ?? Self.defaultTrials)
        print("crash test: seed \(seed), \(trials) trials (replay with PRENV_CRASH_SEED=\(seed) PRENV_CRASH_TRIALS=\(trials))")
        var random = SplitMix64(seed: seed)
        let started = ContinuousClock.now
        let serve = try await ServeHarness("sv-crash")
        defer { serve.stop() }
        try await serve.inject(.issue16)
        let prs = Array(601..<601 + Self.pullRequests(forTrials: trials))
        var life = Dictionary(uniqueKeysWithValues: prs.map { ($0, Life.unopened) })
        var sha: [Int: String] = [:]
        var second = 0
        var report = CrashAudit.Report(seed: seed, pullRequests: prs.count, deliveries: 0)
        var checkpoint = 1

        func send(_ action: String, _ pr: Int) async throws {
            second += 1
            let answer = try await serve.send(PullRequestPayload(action: action, number: pr, headSHA: sha[pr] ?? "", updatedAt: WebhookFixtures.timestamp(second)))
            #expect(answer.status == 202, "\(action) #\(pr): \(answer)")
            report.deliveries += 1
        }

        func killAtRandom(_ phase: CrashAudit.Phase, _ targets: [Int]) async throws {
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &random)))
            let environments = try await serve.environments()
            let moments = targets.map {
                CrashAudit.moment(of: phase, state: environments[$0]?["state"] as? String,
                                  headSHA: environments[$0]?["head_sha"] as? String, newSHA: sha[$0])
            }
            let moment = moments.contains(.inFlight) ? .inFlight : moments.contains(.queued) ? .queued : CrashAudit.Moment.settled
            try await serve.killAndRestart()
            report.kills.append(CrashAudit.Kill(phase: phase, moment: moment, pullRequests: targets, checkpoint: checkpoint))
        }

        // Random events, each followed by a kill at a random moment, until every PR has been opened
        // and the kills left equal the open PRs (each closed, and killed, below).
        while report.trials + prs.count(where: { life[$0] == .open }) < trials || life.values.contains(.unopened) {
            let unopened = prs.filter { life[$0] == .unopened }
            let open = prs.filter { life[$0] == .open }
            if let pr = unopened.first, open.isEmpty || Bool.random(using: &random) {
                sha[pr] = Self.sha(&random)
                try await send("opened", pr)
                life[pr] = .open
                try await killAtRandom(.provisioning, [pr])
            } else if let pr = open.randomElement(using: &random), open.count > 3, Int.random(in: 0..<3, using: &random) == 0 {
                try await send("closed", pr)
                life[pr] = .closed
                try await killAtRandom(.teardown, [pr])
            } else if let pr = open.randomElement(using: &random) {
                sha[pr] = Self.sha(&random)
                try await send("synchronize", pr)
                try await killAtRandom(.updating, [pr])
            }
        }

        // Checkpoint 1: open PRs ready on their newest commit with each resource once; closed ones gone.
        try await Self.audit(serve, expecting: Dictionary(uniqueKeysWithValues: prs.map {
            ($0, life[$0] == .open ? CrashAudit.Expectation.ready(sha: sha[$0] ?? "") : .destroyed(sha: sha[$0] ?? ""))
        }), checkpoint: 1, into: &report)

        // Close the rest, killing during their teardown too: as many kills as trials remain (several
        // closes before one kill if the random events overshot).
        checkpoint = 2
        let open = prs.filter { life[$0] == .open }
        let groups = max(1, min(open.count, trials - report.trials))
        for group in 0..<groups where !open.isEmpty {
            let targets = Array(open[(group * open.count / groups)..<((group + 1) * open.count / groups)])
            for pr in targets {
                try await send("closed", pr)
                life[pr] = .closed
            }
            try await killAtRandom(.teardown, targets)
        }
        try await Self.audit(serve, expecting: Dictionary(uniqueKeysWithValues: prs.map { ($0, .destroyed(sha: sha[$0] ?? "")) }),
                             checkpoint: 2, into: &report)

        report.injected = try await serve.injectedFaults()
        try await serve.clearWeather()
        report.wallSeconds = Self.seconds(ContinuousClock.now - started)
        print(report.table)

        #expect(report.trials >= trials)
        for phase in CrashAudit.Phase.allCases {
            #expect(report.count(phase, .inFlight) > 0, "no kill landed while \(phase) was in flight:\n\(report.table)")
        }
        for kind in CrashAudit.Report.faultKinds {
            #expect((report.injected[kind] ?? 0) > 0, "no \(kind) fault fired: \(report.injected)")
        }
        #expect(report.converged == report.trials, "\(report.table)")
        #expect(report.lostEvents.isEmpty && report.orphaned.isEmpty && report.duplicated.isEmpty, "\(report.table)")
    }

    /// Polls until every PR meets its expectation or a generous limit passes (faults slow everything:
    /// retries, throttling back-off), then records what is unmet and counts resources by tag.
    static func audit(_ serve: ServeHarness, expecting expected: [Int: CrashAudit.Expectation], checkpoint: Int,
                      into report: inout CrashAudit.Report) async throws {
        let deadline = ContinuousClock.now + .seconds(180 + 15 * expected.count)
        var unmet: [Int: String] = [:]
        repeat {
            let environments = try await serve.environments()
            let statuses = try await serve.standin.received().statuses
            unmet = [:]
            for (pr, expectation) in expected {
                let onHead = statuses.filter { $0["_sha"] as? String == expectation.sha }.map {
                    CrashAudit.Status(context: $0["context"] as? String ?? "", state: $0["state"] as? String ?? "")
                }
                unmet[pr] = CrashAudit.unmet(expectation, state: environments[pr]?["state"] as? String,
                                             headSHA: environments[pr]?["head_sha"] as? String, statuses: onHead)
            }
            if unmet.isEmpty { break }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < deadline
        for (pr, why) in unmet {
            // Keyed by the delivery, so one still missing at both checkpoints counts once.
            report.lostEvents["#\(pr) \(expected[pr].map { "\($0)" } ?? "")"] = "checkpoint \(checkpoint): \(why)"
        }
        var notConverged = unmet

        for (pr, expectation) in expected.sorted(by: { $0.key < $1.key }) {
            let found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
            let objects = try await S3(client: serve.templates.client).listObjectsV2(bucket: serve.templates.bucket, prefix: "webapp/pr-\(pr)/")
            switch expectation {
            case .ready:
                let kinds = [("project", found.projects), ("pipeline", found.pipelines), ("stack", found.stacks)]
                for (kind, names) in kinds where names.count != 1 {
                    if names.count > 1 { report.duplicated.append("#\(pr): \(names.count) \(kind)s \(names)") }
                    notConverged[pr, default: ""] += "; \(names.count) \(kind)s"
                }
            case .destroyed:
                var left: [String] = found.projects.map { "project \($0)" }
                left += found.pipelines.map { "pipeline \($0)" }
                left += found.stacks.map { "stack \($0)" }
                left += objects.map { "s3://\(serve.templates.bucket)/\($0.key)" }
                report.orphaned.formUnion(left.map { "#\(pr): \($0)" })
                if !left.isEmpty { notConverged[pr, default: ""] += "; left: \(left)" }
            }
        }
        report.notConverged[checkpoint] = notConverged
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func sha(_ random: inout SplitMix64) -> String {
        (0..<5).map { _ in String(format: "%08x", UInt32.random(in: 0...UInt32.max, using: &random)) }.joined()
    }
}

/// The judging rules on their own, as a table: where a kill landed and when an expectation is met.
@Suite struct CrashAuditTests {
    @Test func whereAKillLanded() {
        let table: [(CrashAudit.Phase, String?, String?, String, CrashAudit.Moment)] = [
            (.provisioning, nil, nil, "b", .queued),
            (.provisioning, "provisioning", "b", "b", .inFlight),
            (.provisioning, "ready", "b", "b", .settled),
            (.updating, "ready", "a", "b", .queued),
            (.updating, "provisioning", "a", "b", .inFlight),
            (.updating, "provisioning", "b", "b", .inFlight),
            (.updating, "ready", "b", "b", .settled),
            (.teardown, "ready", "b", "b", .queued),
            (.teardown, "provisioning", "b", "b", .queued),
            (.teardown, "destroying", "b", "b", .inFlight),
            (.teardown, "destroyed", "b", "b", .settled),
        ]
        for (phase, state, head, new, moment) in table {
            #expect(CrashAudit.moment(of: phase, state: state, headSHA: head, newSHA: new) == moment, "\(phase) \(state ?? "nil") \(head ?? "nil")")
        }
    }

    typealias S = CrashAudit.Status

    @Test func anOpenPRIsMetOnlyReadyOnItsNewestCommitWithSuccessAndNothingPending() {
        let ready = CrashAudit.Expectation.ready(sha: "b")
        let done = [S(context: "prenv/webapp", state: "pending"), S(context: "prenv/webapp/site", state: "pending"),
                    S(context: "prenv/webapp/site", state: "success"), S(context: "prenv/webapp", state: "success")]
        #expect(CrashAudit.unmet(ready, state: "ready", headSHA: "b", statuses: done) == nil)
        #expect(CrashAudit.unmet(ready, state: "ready", headSHA: "a", statuses: done) != nil, "an older commit")
        #expect(CrashAudit.unmet(ready, state: "provisioning", headSHA: "b", statuses: done) != nil)
        #expect(CrashAudit.unmet(ready, state: "failed", headSHA: "b", statuses: done) != nil)
        #expect(CrashAudit.unmet(ready, state: nil, headSHA: nil, statuses: []) != nil)
        #expect(CrashAudit.unmet(ready, state: "ready", headSHA: "b", statuses: Array(done.dropLast())) != nil, "still pending")
        #expect(CrashAudit.unmet(ready, state: "ready", headSHA: "b", statuses: done + [S(context: "prenv/webapp/pipeline/Build", state: "pending")]) != nil,
                "a stage left pending")
        #expect(CrashAudit.unmet(ready, state: "ready", headSHA: "b", statuses: done + [S(context: "prenv/webapp", state: "failure")]) != nil)
    }

    @Test func aClosedPRIsMetOnlyDestroyedWithNothingLeftPending() {
        let destroyed = CrashAudit.Expectation.destroyed(sha: "b")
        #expect(CrashAudit.unmet(destroyed, state: "destroyed", headSHA: "b", statuses: []) == nil)
        #expect(CrashAudit.unmet(destroyed, state: "destroyed", headSHA: "b", statuses: [S(context: "prenv/webapp", state: "success")]) == nil)
        #expect(CrashAudit.unmet(destroyed, state: "destroying", headSHA: "b", statuses: []) != nil)
        #expect(CrashAudit.unmet(destroyed, state: "ready", headSHA: "b", statuses: []) != nil)
        #expect(CrashAudit.unmet(destroyed, state: "destroyed", headSHA: "b", statuses: [S(context: "prenv/webapp", state: "pending")]) != nil)
    }

    @Test func aTrialConvergedOnlyIfEveryPRItInterruptedConvergedAtItsCheckpoint() {
        var report = CrashAudit.Report(seed: 1, pullRequests: 3, deliveries: 4)
        report.kills = [
            .init(phase: .provisioning, moment: .inFlight, pullRequests: [1], checkpoint: 1),
            .init(phase: .updating, moment: .queued, pullRequests: [2], checkpoint: 1),
            .init(phase: .teardown, moment: .inFlight, pullRequests: [2, 3], checkpoint: 2),
            .init(phase: .teardown, moment: .settled, pullRequests: [1], checkpoint: 2),
        ]
        report.notConverged = [1: [2: "stuck"], 2: [3: "left: stack"]]
        // #1 converged at checkpoint 1 and 2; #2 did not at 1, #3 not at 2: the two kills aimed at them did not converge.
        #expect(report.trials == 4 && report.converged == 2)
        #expect(report.count(.teardown, .inFlight) == 1 && report.count(.updating, .queued) == 1)
        #expect(report.table.contains("| 4 | 2 | 0 | 0 | 0 |"), "\(report.table)")
    }
}
