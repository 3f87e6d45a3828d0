import Foundation
import GitHub
import HTTPTransport
import SeededRandom
import Supervisor
import TestServices

// The write-budget simulation (issue 12): one installation, 30 repositories, 120 PRs and 400 pushes
// spread over one hour, time scaled, through the real `StatusReporter` and `GitHubClient` against
// the GitHub stand-in enforcing GitHub's secondary write limits (80 a minute, 500 an hour, scaled).
// For each push it submits what the reference blueprint writes at `status.detail: stages`: the
// summary's `pending`, a deployment with its `in_progress` status, two stage statuses as the stages
// finish, the summary's final state, the deployment's final status and one edit of the PR comment.

/// The writes each pushed SHA costs, by `status.detail`, for the reference blueprint (2 pipeline
/// stages shown at `stages`; `all` is today's 16 statuses per push).
struct WritePattern {
    var detail: String
    var statuses: Int
    /// Deployment creation, `in_progress`, final status.
    var deployment = 3
    /// One edit of the sticky comment (debounced: one per push at most).
    var comment = 1
    var total: Int { statuses + deployment + comment }

    static let all = [
        WritePattern(detail: "summary", statuses: 2),   // summary pending + final
        WritePattern(detail: "stages", statuses: 4),    // + each of the 2 stages as it finishes
        WritePattern(detail: "all", statuses: 16),      // every node and stage, pending and final (measured with make demo)
    ]
}

/// Where deployment and comment writes go. The stand-in's deployments and comments routes are being
/// added on another branch; until they are here, each such write is a commit status under its own
/// context, one write request like the real call, counted by the same limits.
protocol PresenceWrites: Sendable {
    var name: String { get }
    /// Creates the deployment (if `id` is nil) and posts a status; returns the id and requests made.
    func deploymentStatus(repository: String, sha: String, environment: String, id: Int64?, state: String, url: URL?) async throws -> (Int64, Int)
    func commentEdit(repository: String, pullRequest: Int, sha: String, body: String) async throws -> Int
    /// The deployment state the stand-in shows for `sha`, for the check at the end.
    func deploymentState(repository: String, sha: String, reads: StandinReads) async throws -> String?
}

/// Deployments as commit statuses (`prenv-sim/deployment`), comment edits as `prenv-sim/comment`.
struct StatusProxyPresence: PresenceWrites {
    let client: GitHubClient
    var name: String { "commit-status proxy (one status request per deployment or comment write)" }

    func deploymentStatus(repository: String, sha: String, environment: String, id: Int64?, state: String, url: URL?) async throws -> (Int64, Int) {
        let (owner, repo) = split(repository)
        var requests = 0
        if id == nil {
            try await client.createStatus(owner: owner, repo: repo, sha: sha, status: CommitStatus(
                state: .pending, context: "prenv-sim/deployment-created", description: environment))
            requests += 1
        }
        let mapped: CommitStatus.State = switch state {
        case "success": .success
        case "failure": .failure
        case "inactive": .error
        default: .pending
        }
        try await client.createStatus(owner: owner, repo: repo, sha: sha, status: CommitStatus(
            state: mapped, context: "prenv-sim/deployment", description: state, targetURL: url))
        return (id ?? 1, requests + 1)
    }

    func commentEdit(repository: String, pullRequest: Int, sha: String, body: String) async throws -> Int {
        let (owner, repo) = split(repository)
        try await client.createStatus(owner: owner, repo: repo, sha: sha, status: CommitStatus(state: .success, context: "prenv-sim/comment",
                                                                                                 description: String(body.prefix(100))))
        return 1
    }

    func deploymentState(repository: String, sha: String, reads: StandinReads) async throws -> String? {
        try await reads.combined(repository: repository, sha: sha)["prenv-sim/deployment"].map { $0 == "error" ? "inactive" : $0 == "pending" ? "in_progress" : $0 }
    }
}

/// The real routes: `POST …/deployments`, `…/deployments/{id}/statuses`, the comment's `PATCH`.
struct APIPresence: PresenceWrites {
    let client: GitHubClient
    let comments: CommentIDs
    var name: String { "GitHub deployments and comments API" }

    func deploymentStatus(repository: String, sha: String, environment: String, id: Int64?, state: String, url: URL?) async throws -> (Int64, Int) {
        let (owner, repo) = split(repository)
        var requests = 0
        var deploymentID = id
        if deploymentID == nil {
            deploymentID = try await client.createDeployment(owner: owner, repo: repo, GitHubClient.DeploymentRequest(ref: sha, environment: environment)).id
            requests += 1
        }
        guard let deploymentID, let mapped = GitHubClient.DeploymentStatusRequest.State(rawValue: state) else { return (0, requests) }
        try await client.createDeploymentStatus(owner: owner, repo: repo, deploymentID: deploymentID,
                                                GitHubClient.DeploymentStatusRequest(state: mapped, description: state, environmentURL: url))
        return (deploymentID, requests + 1)
    }

    func commentEdit(repository: String, pullRequest: Int, sha: String, body: String) async throws -> Int {
        let (owner, repo) = split(repository)
        if let id = await comments.id(repository, pullRequest) {
            _ = try await client.updateComment(owner: owner, repo: repo, commentID: id, body: body)
        } else {
            let created = try await client.createComment(owner: owner, repo: repo, issue: pullRequest, body: body)
            await comments.set(repository, pullRequest, created.id)
        }
        return 1
    }

    func deploymentState(repository: String, sha: String, reads: StandinReads) async throws -> String? {
        try await reads.latestDeploymentState(repository: repository, sha: sha)
    }
}

actor CommentIDs {
    private var ids: [String: Int64] = [:]
    func id(_ repository: String, _ pr: Int) -> Int64? { ids["\(repository)#\(pr)"] }
    func set(_ repository: String, _ pr: Int, _ id: Int64) { ids["\(repository)#\(pr)"] = id }
}

func split(_ repository: String) -> (String, String) {
    let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
    return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
}

/// Plain GETs against the stand-in, for the checks at the end (reads do not count against write limits).
struct StandinReads: Sendable {
    let url: URL
    let token: String

    func get(_ path: String) async throws -> Any {
        let request = HTTPRequest(method: "GET", url: url.appendingPathComponent(path),
                                  headers: ["Authorization": "Bearer \(token)", "User-Agent": "prenv-benchmarks"])
        let response = try await CurlTransport().send(request)
        return try JSONSerialization.jsonObject(with: response.body)
    }

    /// Context → latest state on `sha`.
    func combined(repository: String, sha: String) async throws -> [String: String] {
        let object = try await get("repos/\(repository)/commits/\(sha)/status") as? [String: Any]
        var states: [String: String] = [:]
        for status in object?["statuses"] as? [[String: Any]] ?? [] {
            if let context = status["context"] as? String, let state = status["state"] as? String { states[context] = state }
        }
        return states
    }

    func latestDeploymentState(repository: String, sha: String) async throws -> String? {
        let deployments = try await get("repos/\(repository)/deployments") as? [[String: Any]] ?? []
        guard let deployment = deployments.first(where: { ($0["sha"] as? String) == sha }), let id = deployment["id"] as? Int else { return nil }
        let statuses = try await get("repos/\(repository)/deployments/\(id)/statuses") as? [[String: Any]] ?? []
        return statuses.first?["state"] as? String  // newest first, as GitHub lists them
    }
}

/// Time from each write's event to its answer, by what it reports, in simulated seconds.
actor WaitRecorder {
    private var samples: [String: [Double]] = [:]
    private var deploymentIDs: [String: Int64] = [:]
    let scale: Double

    init(scale: Double) { self.scale = scale }

    func record(_ category: String, since createdAt: Date) {
        samples[category, default: []].append(Date().timeIntervalSince(createdAt) * scale)
    }

    func deployment(_ key: String) -> Int64? { deploymentIDs[key] }
    func setDeployment(_ key: String, _ id: Int64) { deploymentIDs[key] = id }

    func overall() -> (count: Int, p50: Double, p99: Double) {
        let sorted = samples.values.flatMap { $0 }.sorted()
        return (sorted.count, percentile(sorted, 0.5), percentile(sorted, 0.99))
    }

    func report() -> [(String, count: Int, p50: Double, p99: Double)] {
        samples.keys.sorted().map { key in
            let sorted = (samples[key] ?? []).sorted()
            return (key, sorted.count, percentile(sorted, 0.5), percentile(sorted, 0.99))
        }
    }
}

/// One push of the simulation.
struct SimulatedPush: Sendable {
    var repository: String
    var pullRequest: Int
    var sha: String
    /// Simulated seconds from the start of the hour.
    var at: Double
    /// Apply duration in simulated seconds; the stages finish at 40% and 100% of it.
    var applyTakes: Double
    var succeeds: Bool
}

/// 30 repositories × 4 PRs, 400 pushes uniformly over the hour (each PR opened once, the rest
/// spread at random), applies of 3–8 minutes, one in ten failing at its second stage.
func simulatedPushes(seed: UInt64 = 12) -> [SimulatedPush] {
    var random = SplitMix64(seed: seed)
    let pulls = (0..<120).map { index in (repository: String(format: "sim/repo-%02d", index % 30), number: index / 30 + 1) }
    var owners = Array(pulls.indices)
    for _ in 0..<(400 - pulls.count) { owners.append(Int.random(in: 0..<pulls.count, using: &random)) }
    var pushes: [SimulatedPush] = []
    for (index, owner) in owners.enumerated() {
        let pull = pulls[owner]
        pushes.append(SimulatedPush(repository: pull.repository, pullRequest: pull.number, sha: String(format: "%040x", index + 1),
                                    at: Double.random(in: 0..<3600, using: &random), applyTakes: Double.random(in: 180...480, using: &random),
                                    succeeds: Int.random(in: 0..<10, using: &random) != 0))
    }
    return pushes.sorted { $0.at < $1.at }
}

/// - Parameter detail: `stages` (the default: two stage statuses per push) or `summary` (none).
func benchmarkWriteBudget(scale: Double, detail: String) async throws {
    let standin = try await StandinProcess()
    defer { standin.stop() }
    try await standin.enforceWriteLimits(perMinute: 80, perHour: 500, timeScale: scale)
    let client = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), userAgent: "prenv-benchmarks",
                              retryPolicy: .forScheduledWrites)
    let reads = StandinReads(url: standin.url, token: standin.token)
    // The real routes if this stand-in has them (404 from the probe: it does not).
    let probe = try await CurlTransport().send(HTTPRequest(
        method: "GET", url: standin.url.appendingPathComponent("repos/sim/probe/deployments"),
        headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": "prenv-benchmarks"]))
    let presence: any PresenceWrites = probe.status == 404 ? StatusProxyPresence(client: client) : APIPresence(client: client, comments: CommentIDs())
    let reporter = StatusReporter(poster: GitHubStatusPoster(client: client),
                                  configuration: WriteBudget.Configuration(perMinute: 80, perHour: 500, timeScale: scale))
    let recorder = WaitRecorder(scale: scale)
    let pushes = simulatedPushes()
    print("write-budget simulation at status.detail \(detail): 30 repositories, 120 PRs, \(pushes.count) pushes over one hour at \(Int(scale))x, "
        + "stand-in enforcing 80/min and 500/h; deployments and comments via \(presence.name)")

    // The events of every push, in time order; a push's later events are skipped once the PR has a newer head.
    enum Step: Sendable { case start, stage1, finish }
    var events: [(at: Double, push: Int, step: Step)] = []
    for (index, push) in pushes.enumerated() {
        events += [(push.at, index, .start), (push.at + push.applyTakes * 0.4, index, .stage1), (push.at + push.applyTakes, index, .finish)]
    }
    events.sort { $0.at < $1.at }
    var head: [String: Int] = [:]
    let run = Task { await reporter.run() }
    let clock = ContinuousClock()
    let start = clock.now
    let startDate = Date()
    for event in events {
        let due = start.advanced(by: .milliseconds(Int64(event.at / scale * 1000)))
        if clock.now < due { try await clock.sleep(until: due) }
        let push = pushes[event.push]
        let prKey = "\(push.repository)#\(push.pullRequest)"
        let createdAt = startDate.addingTimeInterval(event.at / scale)
        let summary = "prenv/web"
        let environment = "pr-\(push.pullRequest)-web"
        let deploymentKey = "\(push.repository)@\(push.sha)"
        switch event.step {
        case .start:
            head[prKey] = event.push
            reporter.headMoved(repository: push.repository, pullRequest: push.pullRequest, to: push.sha)
            submitStatus(reporter, client, recorder, push, context: summary, state: .pending, createdAt: createdAt, category: "summary pending")
            reporter.submit(GitHubWrite(kind: .deployment, priority: .intermediate, repository: push.repository, pullRequest: push.pullRequest,
                                        sha: push.sha, coalescingKey: "deployment \(deploymentKey)", fingerprint: "in_progress", cost: 2,
                                        createdAt: createdAt) {
                let existing = await recorder.deployment(deploymentKey)
                let (id, requests) = try await presence.deploymentStatus(repository: push.repository, sha: push.sha, environment: environment,
                                                                         id: existing, state: "in_progress", url: nil)
                await recorder.setDeployment(deploymentKey, id)
                await recorder.record("deployment in_progress", since: createdAt)
                return requests
            })
        case .stage1:
            guard head[prKey] == event.push, detail == "stages" else { continue }
            submitStatus(reporter, client, recorder, push, context: "\(summary)/Build", state: .success, createdAt: createdAt, category: "stage status")
        case .finish:
            guard head[prKey] == event.push else { continue }
            let state: CommitStatus.State = push.succeeds ? .success : .failure
            if detail == "stages" {
                submitStatus(reporter, client, recorder, push, context: "\(summary)/Deploy", state: state, createdAt: createdAt, category: "stage status")
            }
            submitStatus(reporter, client, recorder, push, context: summary, state: state, createdAt: createdAt, category: "summary final")
            let url = URL(string: "https://\(environment).preview.example")
            reporter.submit(GitHubWrite(kind: .deploymentStatus, priority: .final, repository: push.repository, pullRequest: push.pullRequest,
                                        sha: push.sha, coalescingKey: "deployment status \(deploymentKey)", fingerprint: state.rawValue, cost: 2,
                                        createdAt: createdAt) {
                let existing = await recorder.deployment(deploymentKey)
                let (id, requests) = try await presence.deploymentStatus(repository: push.repository, sha: push.sha, environment: environment,
                                                                         id: existing, state: push.succeeds ? "success" : "failure", url: url)
                await recorder.setDeployment(deploymentKey, id)
                await recorder.record("deployment final", since: createdAt)
                return requests
            })
            reporter.submit(GitHubWrite(kind: .comment, priority: .final, repository: push.repository, pullRequest: push.pullRequest,
                                        coalescingKey: "comment \(prKey)/web", fingerprint: push.sha + state.rawValue, createdAt: createdAt) {
                let requests = try await presence.commentEdit(repository: push.repository, pullRequest: push.pullRequest, sha: push.sha,
                                                              body: "web: \(state.rawValue) at \(push.sha.suffix(7))")
                await recorder.record("comment edit", since: createdAt)
                return requests
            })
        }
    }
    let submittedFor = seconds(start.duration(to: clock.now))
    reporter.finish()
    await run.value
    let wall = seconds(start.duration(to: clock.now))

    // What the stand-in shows for every PR's final head.
    var finalHeads: [String: SimulatedPush] = [:]
    for push in pushes { finalHeads["\(push.repository)#\(push.pullRequest)"] = push }
    var summaryRight = 0
    var deploymentRight = 0
    for push in finalHeads.values {
        let expected = push.succeeds ? "success" : "failure"
        if try await reads.combined(repository: push.repository, sha: push.sha)["prenv/web"] == expected { summaryRight += 1 }
        if try await presence.deploymentState(repository: push.repository, sha: push.sha, reads: reads) == expected { deploymentRight += 1 }
    }
    let counts = try await standin.writeLimitCounts()
    let statistics = await reporter.statistics()
    print(String(format: "  wall %.0f s (events over %.0f s, then the flush) = %.0f simulated minutes", wall, submittedFor, wall * scale / 60))
    print("  403/429 served by the stand-in: \(counts.refused); rate-limit pauses: \(statistics.rateLimitPauses); write requests accepted: \(counts.accepted)")
    print("  final heads with the right summary state: \(summaryRight)/\(finalHeads.count); with the right deployment state: \(deploymentRight)/\(finalHeads.count)")
    let sent = GitHubWrite.Kind.allCases.compactMap { kind in statistics.sent[kind].map { "\(kind.rawValue) \($0)" } }
    print("  writes sent: \(statistics.totalSent) (\(sent.joined(separator: ", "))), \(statistics.requests) requests")
    let dropped = statistics.dropped.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }
    print("  shed: \(statistics.totalDropped) (\(dropped.joined(separator: ", ")))")
    print(String(format: "  event → written, all writes (unscaled): p50 %.0f s, p99 %.0f s", statistics.waitP50 * scale, statistics.waitP99 * scale))
    let overall = await recorder.overall()
    print(String(format: "  event → written, measured in each perform: %d writes, p50 %.0f s, p99 %.0f s", overall.count, overall.p50, overall.p99))
    for (category, count, p50, p99) in await recorder.report() {
        print(String(format: "    %@: %d sent, p50 %.0f s, p99 %.0f s", category, count, p50, p99))
    }
    print("  writes per pushed SHA by status.detail (reference blueprint, nothing shed):")
    for pattern in WritePattern.all {
        print("    \(pattern.detail): \(pattern.statuses) statuses + \(pattern.deployment) deployment + \(pattern.comment) comment = \(pattern.total)"
            + " → \(pattern.total * pushes.count) for \(pushes.count) pushes vs 500/h")
    }
}

func submitStatus(_ reporter: StatusReporter, _ client: GitHubClient, _ recorder: WaitRecorder, _ push: SimulatedPush, context: String, state: CommitStatus.State,
                  createdAt: Date, category: String) {
    let (owner, repo) = split(push.repository)
    let status = CommitStatus(state: state, context: context, description: state.rawValue)
    let write = GitHubWrite(kind: .commitStatus, priority: state == .pending ? .intermediate : .final, repository: push.repository,
                            pullRequest: push.pullRequest, sha: push.sha, coalescingKey: "status \(push.repository)@\(push.sha)/\(context)",
                            fingerprint: state.rawValue, createdAt: createdAt) {
        try await client.createStatus(owner: owner, repo: repo, sha: push.sha, status: status)
        await recorder.record(category, since: createdAt)
        return 1
    }
    reporter.submit(write)
}
