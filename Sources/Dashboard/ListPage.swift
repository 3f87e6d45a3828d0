import Foundation
import Supervisor

/// The view of `GET /`: one row per environment. Every field is a display-ready string (bounded,
/// invisible characters made visible; the template escapes HTML), a flag, or a URL that
/// `DisplayText.href` or `EnvironmentPath` vouched for.
struct ListPage {
    struct Row {
        var repository: String
        var pr: String
        var hasPullRequestURL: Bool
        var pullRequestURL: String
        var hasPage: Bool
        var pagePath: String
        var blueprint: String
        var state: String
        var style: String
        var notes: [String]
        var branch: String
        var age: String
        var updatedAt: String
        var sha: String
        var hasPreview: Bool
        var previewURL: String
        var expiry: String
    }

    var title = "prenv · environments"
    var refresh: Bool
    var generatedAt: String
    var summary: String
    var hasEnvironments: Bool
    var rows: [Row]
    var alerts: [String]

    init(_ snapshot: DashboardSnapshot) {
        let environments = snapshot.report.environments
        rows = environments.map { Self.row($0, now: snapshot.now) }
        hasEnvironments = !rows.isEmpty
        refresh = environments.contains { $0.isInProgress }
        generatedAt = TimeText.instant(snapshot.now)
        let running = environments.filter(\.isInProgress).count
        let failed = environments.filter { StateStyle($0.state) == .failed }.count
        summary = "\(environments.count) environment\(environments.count == 1 ? "" : "s"), \(running) in progress, \(failed) failed"
        var alerts: [String] = []
        if snapshot.report.stuckTeardowns > 0 {
            alerts.append("\(snapshot.report.stuckTeardowns) teardown\(snapshot.report.stuckTeardowns == 1 ? "" : "s") stuck past --teardown-alert-after")
        }
        if let orphans = snapshot.report.orphans, orphans.count > 0 {
            alerts.append("\(orphans.count) orphaned resource\(orphans.count == 1 ? "" : "s") found by the sweep of \(TimeText.instant(orphans.sweptAt)) (GET /api/orphans)")
        }
        self.alerts = alerts
    }

    static func row(_ environment: EnvironmentsReport.Environment, now: Date) -> Row {
        let path = EnvironmentPath(environment.key)
        let activity = environment.activity
        var notes: [String] = []
        if environment.waitingForSlot { notes.append("waiting for a slot") }
        if environment.expired { notes.append("expired") }
        if let failures = environment.teardownFailures { notes.append("teardown failed \(failures)×") }
        let preview = DisplayText.href(activity?.previewURL)
        return Row(
            repository: DisplayText.line(environment.repository, limit: 80), pr: "#\(environment.pr)",
            hasPullRequestURL: path != nil, pullRequestURL: path?.pullRequestURL ?? "",
            hasPage: path != nil, pagePath: path?.path ?? "",
            blueprint: DisplayText.line(environment.blueprint, limit: 40), state: DisplayText.line(environment.state, limit: 40),
            style: StateStyle(environment.state).rawValue, notes: notes,
            branch: DisplayText.line(activity?.headRef ?? "", limit: 60),
            age: TimeText.relative(environment.updatedAt, now: now), updatedAt: TimeText.instant(environment.updatedAt),
            sha: DisplayText.shortSHA(environment.headSHA),
            hasPreview: preview != nil, previewURL: preview ?? "",
            expiry: activity?.expiresAt.map { "\(TimeText.relative($0, now: now)) (\(TimeText.instant($0)))" } ?? "—")
    }
}
