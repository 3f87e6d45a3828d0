import Blueprint
import Foundation
import Orchestrator
import StateStoreSQLite
import Supervisor

/// What one sample of the `prenv_environments` gauge costs on SQLite with `environments` one-node
/// environments, half of them with a worker: the phases read by name (`phaseNames`, `workerPhaseNames`: SQLite's
/// JSON functions) against the reference it replaced in the same run, decoding every record
/// (`list`, `workers`) as the report does. Both answers are checked to count the same states.
func benchmarkGaugeStates(environments: Int, rounds: Int) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-bench-gauge-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let store = try SQLiteStateStore(path: directory.appendingPathComponent("state.sqlite").path)
    let date = Date(timeIntervalSince1970: 1_700_000_000)
    for pr in 1...environments {
        let key = EnvironmentKey(repository: "acme/svc-\(pr % 50)", pr: pr, blueprint: "preview")
        let sha = String(repeating: String(pr % 10), count: 40)
        let node = NodeRecord(
            id: "artifacts", type: "aws/s3-prefix", status: .created,
            properties: ["bucket": .string("acme-previews"), "prefix": .string("acme-svc-pr-\(pr)/")],
            outputs: ["bucket": "acme-previews", "uri": "s3://acme-previews/acme-svc-pr-\(pr)/"],
            physicalName: "s3://acme-previews/acme-svc-pr-\(pr)/", updatedAt: date)
        try await store.save(EnvironmentRecord(key: key, envName: "pr-\(pr)", headSHA: sha, state: .ready(sha: sha),
                                               nodes: [node.id: node], updatedAt: date))
        // Every other environment has no worker record (`prenv up`, a lost worker table), so the
        // records' states are counted too, not only the workers' machines.
        guard pr.isMultiple(of: 2) else { continue }
        var machine = EnvironmentStateMachine()
        _ = machine.handle(.opened(PRSnapshot(repository: key.repository, headSHA: sha, sequence: 1_000), .provision))
        let pullRequest = PRContext(owner: "acme", repository: "svc-\(pr % 50)", number: pr, headSHA: sha, headRef: "feature/\(pr)",
                                    baseRef: "main", author: "octocat")
        try await store.saveWorker(WorkerRecord(key: key, machine: machine, pullRequest: pullRequest, revision: 1, updatedAt: date))
    }
    var byName: [Double] = [], decoded: [Double] = []
    var counts: [[String: Int]] = []
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        var phases: [EnvironmentKey: String] = [:], workerPhases: [EnvironmentKey: String] = [:]
        byName.append(seconds(try await clock.measure {
            phases = try await store.phaseNames()
            workerPhases = try await store.workerPhaseNames()
        }))
        counts.append(EnvironmentsReport.stateCounts(recordPhases: phases, workerPhases: workerPhases))
        var records: [EnvironmentRecord] = [], workers: [WorkerRecord] = []
        decoded.append(seconds(try await clock.measure {
            records = try await store.list()
            workers = try await store.workers()
        }))
        counts.append(EnvironmentsReport.stateCounts(recordPhases: Dictionary(uniqueKeysWithValues: records.map { ($0.key, $0.state.name) }),
                                                     workerPhases: Dictionary(uniqueKeysWithValues: workers.map { ($0.key, $0.machine.phase.name) })))
    }
    guard Set(counts).count == 1 else { throw GaugeStatesMismatch(counts: counts) }
    byName.sort()
    decoded.sort()
    print(String(format: "gauge states: %d environments (half with a worker) on SQLite, median of %d: by name %.1f ms, decoding every record (reference) %.1f ms (%.1f×) %@",
                 environments, rounds, percentile(byName, 0.5) * 1000, percentile(decoded, 0.5) * 1000,
                 percentile(decoded, 0.5) / max(percentile(byName, 0.5), 1e-9), "\(counts[0])"))
}

struct GaugeStatesMismatch: Error, CustomStringConvertible {
    var counts: [[String: Int]]
    var description: String { "the two ways of counting disagree: \(counts)" }
}
