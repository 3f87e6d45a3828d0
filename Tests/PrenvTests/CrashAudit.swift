/// The rules by which the SIGKILL crash test judges a run, apart from the run itself (as WalkScheduler
/// stands beside GraphWalker): where a kill landed, whether a PR shows the effect of its newest
/// accepted delivery, and the table of issue 16 (trials, converged, orphaned, duplicated, lost events).
enum CrashAudit {
    /// The work a kill was aimed at: the action of the delivery sent just before it.
    enum Phase: String, CaseIterable, Sendable {
        case provisioning  // after `opened`
        case updating  // after `synchronize`
        case teardown  // after `closed`
    }

    /// Where that work stood when the kill came, read from `/api/environments` just before it.
    enum Moment: String, CaseIterable, Sendable {
        /// Accepted, not yet picked up: the kill tests that the durable intake is replayed.
        case queued
        /// Mid-apply or mid-destroy: the kill tests resumption of half-done AWS work.
        case inFlight = "in flight"
        /// Already finished: the kill tests that a restart does not redo or undo finished work.
        case settled
    }

    static func moment(of phase: Phase, state: String?, headSHA: String?, newSHA: String?) -> Moment {
        switch (phase, state) {
        case (_, nil): return .queued
        case (.teardown, "destroying"): return .inFlight
        case (.teardown, "destroyed"), (.teardown, "failed"): return .settled
        case (.teardown, _): return .queued
        case (_, "provisioning"): return .inFlight
        case (.updating, "ready") where headSHA != newSHA: return .queued
        default: return .settled
        }
    }

    /// What the newest accepted delivery of one PR asks for. A delivery superseded by a newer one for
    /// the same PR asks for nothing of its own: prenv is meant to coalesce it into the newer one.
    enum Expectation: Equatable, Sendable {
        case ready(sha: String)
        case destroyed(sha: String)

        var sha: String {
            switch self {
            case .ready(let sha), .destroyed(let sha): sha
            }
        }
    }

    /// One commit status as the GitHub stand-in received it, in order.
    struct Status: Equatable, Sendable {
        var context: String
        var state: String
    }

    static let environmentContext = "prenv/webapp"

    /// Nil when `expectation` is met, else why not. Met means: the environment is in the asked state at
    /// the asked commit, and on that commit (the PR's last head) no status context was left `pending`,
    /// and for an open PR the environment's own context ended `success`.
    static func unmet(_ expectation: Expectation, state: String?, headSHA: String?, statuses: [Status]) -> String? {
        let last = Dictionary(statuses.map { ($0.context, $0.state) }, uniquingKeysWith: { _, newer in newer })
        switch expectation {
        case .ready(let sha):
            guard state == "ready", headSHA == sha else {
                return "state \(state ?? "none") at \(headSHA ?? "no commit"), expected ready at \(sha)"
            }
            guard last[environmentContext] == "success" else {
                return "status \(environmentContext) on \(sha) is \(last[environmentContext] ?? "missing"), expected success"
            }
        case .destroyed:
            guard state == "destroyed" else { return "state \(state ?? "none"), expected destroyed" }
        }
        let pending = last.filter { $0.value == "pending" }.keys.sorted()
        return pending.isEmpty ? nil : "left pending on \(expectation.sha): \(pending.joined(separator: ", "))"
    }

    /// One SIGKILL: the PRs whose deliveries preceded it, and the checkpoint (1: mid-run, 2: end) at
    /// which their outcome is judged.
    struct Kill: Sendable {
        var phase: Phase
        var moment: Moment
        var pullRequests: [Int]
        var checkpoint: Int
    }

    /// What a run found. A trial (kill) converged when every PR it interrupted ended, at its
    /// checkpoint, in the state its newest delivery asked for, with each resource exactly once (open)
    /// or none left (closed).
    struct Report: Sendable {
        var seed: UInt64
        var pullRequests: Int
        var deliveries: Int
        var kills: [Kill] = []
        /// Per checkpoint, the PRs that did not converge, with why.
        var notConverged: [Int: [Int: String]] = [:]
        /// Accepted deliveries whose effect never showed (the PR's newest one at a checkpoint), by
        /// delivery (PR and expectation), with why.
        var lostEvents: [String: String] = [:]
        /// Resources (or S3 objects under the PR's prefix) left after the PR was destroyed, deduplicated.
        var orphaned: Set<String> = []
        /// Extra copies: for an open PR, each resource kind counted beyond one.
        var duplicated: [String] = []
        var injected: [String: Int] = [:]
        var wallSeconds: Double = 0

        var trials: Int { kills.count }
        var converged: Int {
            kills.filter { kill in kill.pullRequests.allSatisfy { notConverged[kill.checkpoint]?[$0] == nil } }.count
        }

        func count(_ phase: Phase, _ moment: Moment) -> Int { kills.filter { $0.phase == phase && $0.moment == moment }.count }

        var table: String {
            var lines = [
                "crash test (seed \(seed)): \(pullRequests) PRs, \(deliveries) deliveries accepted, "
                    + String(format: "%.0f s wall", wallSeconds) + "; AWS faults injected for prenv's key: "
                    + Self.faultKinds.map { "\($0) \(injected[$0] ?? 0)" }.joined(separator: ", "),
                "| trials | converged | orphaned | duplicated | lost events |",
                "|---|---|---|---|---|",
                "| \(trials) | \(converged) | \(orphaned.count) | \(duplicated.count) | \(lostEvents.count) |",
                "",
                "| kills by phase | " + Moment.allCases.map(\.rawValue).joined(separator: " | ") + " | total |",
                "|---|" + String(repeating: "---|", count: Moment.allCases.count + 1),
            ]
            for phase in Phase.allCases {
                let counts = Moment.allCases.map { count(phase, $0) }
                lines.append("| \(phase.rawValue) | " + counts.map(String.init).joined(separator: " | ") + " | \(counts.reduce(0, +)) |")
            }
            for (checkpoint, prs) in notConverged.sorted(by: { $0.key < $1.key }) {
                for (pr, why) in prs.sorted(by: { $0.key < $1.key }) { lines.append("not converged at checkpoint \(checkpoint): #\(pr): \(why)") }
            }
            lines += lostEvents.sorted(by: { $0.key < $1.key }).map { "lost: \($0.key): \($0.value)" } + orphaned.sorted().map { "orphaned: \($0)" } + duplicated.map { "duplicated: \($0)" }
            return lines.joined(separator: "\n")
        }

        /// The kinds of fault the crash test injects, as `/_prenv/stats?access_key=…` reports them under `injected`.
        static let faultKinds = ["throttled", "errors", "delayed"]
    }
}
