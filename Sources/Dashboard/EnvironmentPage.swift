import Foundation
import Orchestrator
import Supervisor

/// The view of `GET /environments/OWNER/NAME/PR/BLUEPRINT`: the environment's facts, its resource
/// graph as SVG geometry, its resources with console links, its pipeline stages, its recent events
/// and its last error in full. Display-ready like `ListPage`.
struct EnvironmentPage {
    struct GraphNode {
        var id: String
        var label: String
        var caption: String
        var tooltip: String
        var state: String
        var style: String
        var fill: String
        var stroke: String
        var x: Int
        var y: Int
        var textX: Int
        var labelY: Int
        var captionY: Int
    }

    struct GraphEdge {
        var from: String
        var to: String
        var path: String
    }

    struct Resource {
        var id: String
        var type: String
        var physicalName: String
        var hasConsoleURL: Bool
        var consoleURL: String
        var state: String
        var style: String
        var hasError: Bool
        var error: String
    }

    struct Stage {
        var resource: String
        var name: String
        var state: String
        var style: String
        var duration: String
        var startedAt: String
        var hasSummary: Bool
        var summary: String
    }

    struct Event {
        var time: String
        var kind: String
        var text: String
    }

    /// Cuts: an error is shown in full up to `errorLimit` characters (the activity keeps 1,000 and
    /// the store's resource errors are AWS's messages); names and lines are cut for the layout.
    static let errorLimit = 8_000

    var title: String
    var refresh: Bool
    var generatedAt: String
    var repository: String
    var pr: String
    var hasPullRequestURL: Bool
    var pullRequestURL: String
    var blueprint: String
    var state: String
    var style: String
    var summary: String
    var notes: [String]
    var branch: String
    var sha: String
    var envName: String
    var updated: String
    var expiry: String
    var hasPreview: Bool
    var previewURL: String
    var graphWidth: Int
    var graphHeight: Int
    var hasGraph: Bool
    var graphNodes: [GraphNode]
    var graphEdges: [GraphEdge]
    var resources: [Resource]
    var hasStages: Bool
    var stages: [Stage]
    var hasEvents: Bool
    var events: [Event]
    var hasLastError: Bool
    var lastError: String

    init(_ environment: EnvironmentsReport.Environment, snapshot: DashboardSnapshot) {
        let now = snapshot.now
        let activity = environment.activity
        let path = EnvironmentPath(environment.key)
        title = "prenv · \(DisplayText.line(environment.repository, limit: 80))#\(environment.pr) · \(DisplayText.line(environment.blueprint, limit: 40))"
        refresh = environment.isInProgress
        generatedAt = TimeText.instant(now)
        repository = DisplayText.line(environment.repository, limit: 80)
        pr = "#\(environment.pr)"
        hasPullRequestURL = path != nil
        pullRequestURL = path?.pullRequestURL ?? ""
        blueprint = DisplayText.line(environment.blueprint, limit: 40)
        state = DisplayText.line(environment.state, limit: 40)
        style = StateStyle(environment.state).rawValue
        summary = DisplayText.line(activity?.summary ?? "", limit: 200)
        var notes: [String] = []
        if environment.waitingForSlot { notes.append("waiting for a slot") }
        if environment.expired { notes.append("expired") }
        if let since = environment.teardownFailingSince {
            notes.append("teardown failing since \(TimeText.instant(since)) (\(environment.teardownFailures ?? 0) attempts)")
        }
        self.notes = notes
        branch = DisplayText.line(activity?.headRef ?? "", limit: 120)
        sha = DisplayText.shortSHA(environment.headSHA)
        envName = DisplayText.line(environment.envName ?? "—", limit: 80)
        updated = "\(TimeText.relative(environment.updatedAt, now: now)) (\(TimeText.instant(environment.updatedAt)))"
        expiry = activity?.expiresAt.map { "\(TimeText.relative($0, now: now)) (\(TimeText.instant($0)))" } ?? "—"
        let preview = DisplayText.href(activity?.previewURL)
        hasPreview = preview != nil
        previewURL = preview ?? ""

        let merged = Self.resources(environment, snapshot: snapshot)
        resources = merged.map(\.view)
        let layout = GraphLayout(ids: merged.map(\.rawID), dependencies: Dictionary(merged.map { ($0.rawID, $0.dependencies) }, uniquingKeysWith: { first, _ in first }))
        let byID = Dictionary(merged.map { ($0.rawID, $0) }, uniquingKeysWith: { first, _ in first })
        graphWidth = layout.width
        graphHeight = layout.height
        hasGraph = !layout.nodes.isEmpty
        graphNodes = layout.nodes.compactMap { node in
            guard let resource = byID[node.id] else { return nil }
            let style = StateStyle(resource.state)
            return GraphNode(
                id: resource.view.id, label: DisplayText.line(node.id, limit: 22),
                caption: "\(DisplayText.line(resource.shortType, limit: 22)) · \(DisplayText.line(resource.state, limit: 12))",
                tooltip: "\(resource.view.id) (\(resource.view.type)) \(resource.view.state): \(resource.view.physicalName)",
                state: DisplayText.line(resource.state, limit: 40), style: style.rawValue, fill: style.fill, stroke: style.stroke,
                x: node.x, y: node.y, textX: node.x + 12, labelY: node.y + 24, captionY: node.y + 44)
        }
        graphEdges = layout.edges.map { GraphEdge(from: DisplayText.line($0.from, limit: 64), to: DisplayText.line($0.to, limit: 64), path: $0.path) }

        stages = (activity?.stages ?? []).map { stage in
            let duration: String = if let seconds = stage.duration {
                TimeText.span(seconds)
            } else if let started = stage.startedAt {
                "running for \(TimeText.span(now.timeIntervalSince(started)))"
            } else {
                "—"
            }
            return Stage(resource: DisplayText.line(stage.node, limit: 64), name: DisplayText.line(stage.name, limit: 80),
                         state: DisplayText.line(stage.state, limit: 40), style: StateStyle(stage.state).rawValue, duration: duration,
                         startedAt: stage.startedAt.map(TimeText.instant) ?? "—", hasSummary: stage.summary != nil,
                         summary: DisplayText.line(stage.summary ?? "", limit: 300))
        }
        hasStages = !stages.isEmpty
        events = (snapshot.events[environment.key] ?? []).reversed().map {
            Event(time: TimeText.clock($0.time), kind: $0.kind.rawValue, text: DisplayText.line($0.text, limit: EnvironmentJournal.textLimit))
        }
        hasEvents = !events.isEmpty
        let error = activity?.lastError ?? (StateStyle(environment.state) == .failed ? environment.reason : nil)
            ?? environment.resources.compactMap(\.error).first
        hasLastError = error != nil
        lastError = DisplayText.block(error ?? "", limit: Self.errorLimit)
    }

    /// A resource as the page shows it: the store's record (name, recorded dependencies, error)
    /// joined with the activity (fresher state while an operation runs, console link).
    struct Merged {
        var rawID: String
        var state: String
        var shortType: String
        var dependencies: Set<String>
        var view: Resource
    }

    static func resources(_ environment: EnvironmentsReport.Environment, snapshot: DashboardSnapshot) -> [Merged] {
        let recorded = Dictionary(environment.resources.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let active = Dictionary((environment.activity?.resources ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let blueprintEdges = snapshot.blueprintDependencies[environment.blueprint] ?? [:]
        let ids = (environment.activity?.resources.map(\.id) ?? []) + environment.resources.map(\.id).filter { active[$0] == nil }
        return ids.prefix(EnvironmentActivity.Limits.resources).map { id in
            let record = recorded[id]
            let live = active[id]
            let type = live?.type ?? record?.type ?? "?"
            let state = live?.state ?? record?.state ?? "pending"
            let name = record?.physicalName ?? live?.physicalName
            let console = DisplayText.href(live?.consoleURL ?? consoleURL(type: type, maskedName: name, region: snapshot.region))
            let error = record?.error
            return Merged(
                rawID: id, state: state, shortType: type.hasPrefix("aws/") ? String(type.dropFirst(4)) : type,
                dependencies: record.map { Set($0.dependsOn) } ?? blueprintEdges[id] ?? [],
                view: Resource(id: DisplayText.line(id, limit: 64), type: DisplayText.line(type, limit: 64),
                               physicalName: DisplayText.line(name ?? "—", limit: 160), hasConsoleURL: console != nil, consoleURL: console ?? "",
                               state: DisplayText.line(state, limit: 40), style: StateStyle(state).rawValue,
                               hasError: error != nil, error: DisplayText.block(error ?? "", limit: errorLimit)))
        }
    }

    /// A console link for a name the store recorded, unless masking changed it (the link would
    /// carry the mask, not the name).
    static func consoleURL(type: String, maskedName: String?, region: String?) -> URL? {
        guard let maskedName, ![Redaction.accountMask, Redaction.accessKeyMask, Redaction.secretMask].contains(where: maskedName.contains) else {
            return nil
        }
        return AWSConsoleLink.url(type: type, physicalName: maskedName, region: region)
    }
}
