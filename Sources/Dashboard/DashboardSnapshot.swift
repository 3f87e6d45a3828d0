import Foundation
import Orchestrator
import Supervisor

/// Everything one page is rendered from, gathered once per request: the supervisor's report (what
/// `/api/environments` serves, already masked), the recent events of each environment, the loaded
/// blueprints' edges (for environments whose resources are not recorded yet) and the moment "ago"
/// is measured from. Rendering is a pure function of this value.
public struct DashboardSnapshot: Sendable {
    public var report: EnvironmentsReport
    public var events: [EnvironmentKey: [EnvironmentJournal.Entry]]
    /// Blueprint name → resource id → the ids it depends on.
    public var blueprintDependencies: [String: [String: Set<String>]]
    /// prenv's AWS region, for console links of resources the activity has none for.
    public var region: String?
    public var now: Date

    public init(report: EnvironmentsReport, events: [EnvironmentKey: [EnvironmentJournal.Entry]] = [:],
                blueprintDependencies: [String: [String: Set<String>]] = [:], region: String? = nil, now: Date = Date()) {
        self.report = report
        self.events = events
        self.blueprintDependencies = blueprintDependencies
        self.region = region
        self.now = now
    }

    /// The report, journal and blueprints of `supervisor` over the stored `records`.
    public static func gather(from supervisor: EnvironmentSupervisor, records: [EnvironmentRecord], orphans: OrphanReport? = nil) async throws
        -> DashboardSnapshot
    {
        let report = try await supervisor.report(records: records, orphans: orphans)
        let keys = report.environments.map { EnvironmentKey(repository: $0.repository, pr: $0.pr, blueprint: $0.blueprint) }
        return DashboardSnapshot(report: report, events: supervisor.journal(for: keys), blueprintDependencies: supervisor.blueprintDependencies,
                                 region: supervisor.consoleRegion, now: Date())
    }

    func environment(_ key: EnvironmentKey) -> EnvironmentsReport.Environment? {
        report.environments.first { $0.repository == key.repository && $0.pr == key.pr && $0.blueprint == key.blueprint }
    }
}

extension EnvironmentsReport.Environment {
    var key: EnvironmentKey { EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint) }

    /// Whether an operation runs (or is about to): the page then refreshes itself.
    var isInProgress: Bool {
        StateStyle(state).isInProgress || (activity.map { StateStyle($0.state.rawValue).isInProgress } ?? false)
    }
}
