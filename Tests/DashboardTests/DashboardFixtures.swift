import Blueprint
import Foundation
import Orchestrator
import Testing

@testable import Dashboard
@testable import Supervisor

/// Hand-built reports, as the supervisor would make them, for rendering without a server.
enum DashboardFixtures {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 42, blueprint: "webapp")
    static let sha = "3f2a9c1d" + String(repeating: "e", count: 32)

    /// A branch name GitHub accepts (no space, `~^:?*[\`, `..` or `@{`), made as hostile as it can
    /// be: markup, both quotes, a right-to-left override, and long enough (300 characters) to break a
    /// layout that does not bound it.
    static let hostileBranch: String = {
        let head = "feature/<script>alert(1)</script>\"'\u{202E}gnp.exe"
        let tail = 300 - head.count - 2
        return head + "/" + String(repeating: "x", count: tail / 2) + "/" + String(repeating: "x", count: tail - tail / 2)
    }()

    /// The reference blueprint's four resources and their recorded dependencies.
    static let webappEdges: [String: Set<String>] = ["artifacts": [], "build": ["artifacts"], "pipeline": ["build"], "site": ["pipeline", "artifacts"]]
    static let types = ["artifacts": "aws/s3-prefix", "build": "aws/codebuild-project", "pipeline": "aws/codepipeline",
                        "site": "aws/cloudformation-stack"]

    static func node(_ id: String, _ status: NodeStatus, name: String? = nil, error: String? = nil) -> NodeRecord {
        NodeRecord(id: id, type: ResourceType(rawValue: types[id] ?? "aws/s3-prefix"), status: status, dependencies: webappEdges[id] ?? [],
                   physicalName: name ?? "webapp-webapp-pr42-1imxti1s-\(id)", lastError: error, updatedAt: now.addingTimeInterval(-120))
    }

    static func record(_ state: EnvironmentPhase, nodes: [NodeRecord], key: EnvironmentKey = key) -> EnvironmentRecord {
        EnvironmentRecord(key: key, envName: "webapp-webapp-pr42-1imxti1s", headSHA: sha, state: state,
                          nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) }), updatedAt: now.addingTimeInterval(-90))
    }

    static func activity(state: EnvironmentActivity.State, resources: [(String, String)], stages: [EnvironmentActivity.Stage] = [],
                         headRef: String = "feature/login", lastError: String? = nil, previewURL: URL? = nil,
                         key: EnvironmentKey = key) -> EnvironmentActivity {
        EnvironmentActivity(
            repository: key.repository, pr: key.pr, blueprint: key.blueprint, headSHA: sha, headRef: headRef, operation: "apply",
            state: state, summary: "Provisioning 4 resources", resources: resources.map { id, state in
                EnvironmentActivity.Resource(id: id, type: types[id] ?? "aws/s3-prefix", physicalName: nil, state: state, consoleURL: nil)
            }, stages: stages, previewURL: previewURL, expiresAt: now.addingTimeInterval(3 * 3600), lastError: lastError,
            updatedAt: now.addingTimeInterval(-30))
    }

    static func snapshot(records: [EnvironmentRecord], activities: [EnvironmentActivity] = [],
                         events: [EnvironmentKey: [EnvironmentJournal.Entry]] = [:]) -> DashboardSnapshot {
        let report = EnvironmentsReport(records: records, workers: [], now: now,
                                        activities: Dictionary(uniqueKeysWithValues: activities.map { ($0.key, $0) }))
        return DashboardSnapshot(report: report, events: events, blueprintDependencies: ["webapp": webappEdges], region: "eu-west-1", now: now)
    }

    /// Every tag of `html` (`<…>`), for checking that nothing but the templates' own markup is there.
    static func tags(_ html: String) -> [String] {
        var tags: [String] = []
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else {
                tags.append(String(rest[open...]))
                break
            }
            tags.append(String(rest[open...close]))
            rest = rest[rest.index(after: close)...]
        }
        return tags
    }

    /// The templates' elements and attributes: anything else in a page was injected.
    static let elements: Set<String> = [
        "!doctype", "html", "head", "meta", "title", "style", "body", "header", "a", "small", "main", "p", "h1", "h2", "span", "dl", "dt", "dd",
        "pre", "div", "svg", "defs", "marker", "path", "g", "rect", "text", "table", "thead", "tbody", "tr", "th", "td", "footer",
    ]
    static let attributes: Set<String> = [
        "html", "lang", "charset", "name", "content", "http-equiv", "href", "rel", "class", "id", "data-state", "data-label", "title",
        "data-node", "data-from", "data-to", "data-resource", "data-stage", "xmlns", "width", "height", "viewbox", "role", "aria-label",
        "refx", "refy", "markerwidth", "markerheight", "orient", "d", "fill", "stroke", "stroke-width", "marker-end", "x", "y", "rx",
        "font-size", "font-weight",
    ]

    /// Whether `tag` is one of the templates' own: a known element with known attributes, every
    /// value double-quoted and free of `"` (an injected quote would end a value early).
    static func isTemplateTag(_ tag: String) -> Bool {
        var body = tag.dropFirst().dropLast()
        if body.hasSuffix("/") { body = body.dropLast() }
        if body.hasPrefix("/") { return elements.contains(String(body.dropFirst()).lowercased()) }
        let name = body.prefix { !$0.isWhitespace }
        guard elements.contains(name.lowercased()) else { return false }
        var rest = body.dropFirst(name.count)
        while true {
            rest = rest.drop(while: \.isWhitespace)
            if rest.isEmpty { return true }
            let attribute = rest.prefix { $0 != "=" && !$0.isWhitespace }
            guard attributes.contains(attribute.lowercased()) else { return false }
            rest = rest.dropFirst(attribute.count)
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst()
            guard rest.first == "\"", let end = rest.dropFirst().firstIndex(of: "\"") else { return false }
            rest = rest[rest.index(after: end)...]
            guard rest.isEmpty || rest.first?.isWhitespace == true else { return false }
        }
    }

    /// Every `href` value of `html`.
    static func hrefs(_ html: String) -> [String] {
        html.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// The element `<tag … attribute="value" …>…</tag>` around the first occurrence of `marker`, for
    /// checks scoped to one row or node.
    static func element(_ html: String, containing marker: String, tag: String) -> String? {
        guard let at = html.range(of: marker) else { return nil }
        guard let open = html[..<at.lowerBound].range(of: "<\(tag)", options: .backwards),
              let close = html[at.upperBound...].range(of: "</\(tag)>") else { return nil }
        return String(html[open.lowerBound..<close.upperBound])
    }
}
