import Foundation
import Orchestrator

/// The JSON of `GET /api/environments`: every environment prenv knows, from the state store (what
/// exists) and the workers (what is wanted and happening), so a skipped PR shows up too.
/// Reasons, errors, physical names and outputs carry AWS's text (account ids in ARNs) and whatever a
/// build printed, so they are masked (`Redaction`); the full text is in the server log, where the
/// failing status was narrated.
public struct EnvironmentsReport: Encodable, Sendable {
    public struct Environment: Encodable, Sendable {
        public var repository: String
        public var pr: Int
        public var blueprint: String
        /// `idle`, `provisioning`, `ready`, `destroying`, `destroyed`, `failed` or `skipped`.
        public var state: String
        public var reason: String?
        public var headSHA: String
        public var envName: String?
        public var updatedAt: Date
        /// When the teardown now failing first failed; absent when no teardown is failing.
        public var teardownFailingSince: Date?
        /// Failed teardowns in a row; absent when no teardown is failing.
        public var teardownFailures: Int?
        /// True while the PR waits for a slot under its blueprint's `limits.max_environments`.
        public var waitingForSlot: Bool
        /// True while the environment is expired (`expire.after` without a push); a push or a keep
        /// label brings it back.
        public var expired: Bool
        public var resources: [Resource]
        /// What the PR shows (`EnvironmentActivity`): the operation, resources with console links,
        /// pipeline stages with durations, the preview URL, expiry, the last error. Absent for an
        /// environment this server has not worked on since it started.
        public var activity: EnvironmentActivity?

        enum CodingKeys: String, CodingKey {
            case repository, pr, blueprint, state, reason, resources, activity
            case headSHA = "head_sha"
            case envName = "env_name"
            case updatedAt = "updated_at"
            case teardownFailingSince = "teardown_failing_since"
            case teardownFailures = "teardown_failures"
            case waitingForSlot = "waiting_for_slot"
            case expired
        }
    }

    public struct Resource: Encodable, Sendable {
        public var id: String
        public var type: String
        public var state: String
        public var physicalName: String?
        public var outputs: [String: String]
        public var error: String?
        /// The ids this resource depends on, as recorded at its last create or update (sorted).
        public var dependsOn: [String] = []

        enum CodingKeys: String, CodingKey {
            case id, type, state, outputs, error
            case physicalName = "physical_name"
            case dependsOn = "depends_on"
        }
    }

    /// The latest orphan sweep at a glance (`GET /api/orphans` has its findings).
    public struct Orphans: Encodable, Sendable {
        /// Orphans the sweep found and did not delete (spared ones included; too young ones not).
        public var count: Int
        public var sweptAt: Date

        enum CodingKeys: String, CodingKey {
            case count
            case sweptAt = "swept_at"
        }
    }

    public var environments: [Environment]
    /// Environments whose teardown has been failing for longer than `--teardown-alert-after`: the
    /// number an operator's monitoring should alert on when it is above zero.
    public var stuckTeardowns: Int
    /// Absent when `prenv serve` sweeps for orphans but has not finished a sweep yet, or never sweeps.
    public var orphans: Orphans?

    enum CodingKeys: String, CodingKey {
        case environments, orphans
        case stuckTeardowns = "stuck_teardowns"
    }

    /// - Parameters:
    ///   - now: the moment "failing for longer than" is measured at (the supervisor's clock).
    ///   - teardownAlertAfter: seconds after which a failing teardown counts as stuck.
    ///   - orphans: the latest orphan sweep, if one ran.
    public init(records: [EnvironmentRecord], workers: [WorkerRecord], now: Date = Date(),
                teardownAlertAfter: TimeInterval = EnvironmentSupervisor.defaultTeardownAlertAfter, orphans: OrphanReport? = nil,
                activities: [EnvironmentKey: EnvironmentActivity] = [:]) {
        self.orphans = orphans.map { Orphans(count: $0.remaining, sweptAt: $0.sweptAt) }
        let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        let workersByKey = Dictionary(workers.map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        environments = Set(byKey.keys).union(workersByKey.keys).sorted().map { key -> Environment in
            let record = byKey[key]
            let worker = workersByKey[key]
            let phase = Self.phase(record: record, worker: worker)
            let failing = worker?.machine.failingTeardown
            return Environment(
                repository: key.repository, pr: key.pr, blueprint: key.blueprint, state: phase.name, reason: phase.reason.map(Redaction.masked),
                headSHA: worker?.pullRequest.headSHA ?? record?.headSHA ?? "", envName: record?.envName,
                updatedAt: max(record?.updatedAt ?? .distantPast, worker?.updatedAt ?? .distantPast),
                teardownFailingSince: failing?.firstFailure, teardownFailures: failing?.failures,
                waitingForSlot: worker?.machine.isWaitingForSlot ?? false, expired: worker?.machine.isExpired ?? false,
                resources: (record?.nodes.values.sorted { $0.id < $1.id } ?? []).map {
                    Resource(id: $0.id, type: $0.type.rawValue, state: $0.status.rawValue, physicalName: $0.physicalName.map(Redaction.masked),
                             outputs: $0.outputs.mapValues(Redaction.masked), error: $0.lastError.map(Redaction.masked),
                             dependsOn: $0.dependencies.sorted())
                }, activity: activities[key].map(Self.masked))
        }
        stuckTeardowns = workers.filter { ($0.machine.failingTeardown?.failingFor(at: now) ?? 0) > teardownAlertAfter }.count
    }

    /// What an environment's `state` says: its worker's machine decides; a record alone (`prenv up`,
    /// a lost worker table) says what its last run left.
    static func phase(record: EnvironmentRecord?, worker: WorkerRecord?) -> EnvironmentPhase {
        worker?.machine.phase ?? record?.state ?? .idle
    }

    /// How many environments `init(records:workers:)` would list in each state, from their phases'
    /// names alone (`StateStore.phaseNames`, `WorkerStore.workerPhaseNames`), by the same rule as
    /// `phase(record:worker:)`: the worker's machine decides, else the record. What the
    /// `prenv_environments` gauge needs at each sample, without decoding or building any entry.
    public static func stateCounts(recordPhases: [EnvironmentKey: String], workerPhases: [EnvironmentKey: String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for name in workerPhases.values { counts[name, default: 0] += 1 }
        for (key, name) in recordPhases where workerPhases[key] == nil { counts[name, default: 0] += 1 }
        return counts
    }

    /// Physical names are masked as the resources' are (an S3 URI or a stack name may carry an account id).
    static func masked(_ activity: EnvironmentActivity) -> EnvironmentActivity {
        var masked = activity
        for index in masked.resources.indices { masked.resources[index].physicalName = masked.resources[index].physicalName.map(Redaction.masked) }
        return masked
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }
}

extension EnvironmentSupervisor {
    /// The report over `records` and this supervisor's workers, "stuck" measured on its clock and
    /// threshold. Throws only `CancellationError`.
    public func report(records: [EnvironmentRecord], orphans: OrphanReport? = nil) async throws -> EnvironmentsReport {
        EnvironmentsReport(records: records, workers: try await workerRecords(), now: now(), teardownAlertAfter: teardownAlertAfter, orphans: orphans,
                           activities: presence.activities())
    }
}
