import Blueprint
import Foundation
import Orchestrator

/// Records that exercise every field a store must keep: every phase, every node status, every
/// `RenderedValue` case (`.unknown` included, nested too), outputs, dependencies and optionals.
///
/// Dates are whole seconds: that is the precision every backend promises exactly.
public enum StateStoreFixtures {
    public static let date = Date(timeIntervalSince1970: 1_700_000_000)

    public static func key(_ repository: String = "acme/web", pr: Int = 5, blueprint: String = "webapp") -> EnvironmentKey {
        EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
    }

    public static let allPhases: [EnvironmentPhase] = [
        .idle, .provisioning(sha: sha("1")), .ready(sha: sha("2")), .destroying, .destroyed,
        .failed(sha: sha("3"), reason: "site: CloudFormation CreateStack: AccessDenied"),
        .skipped(reason: "label preview:skip"),
    ]

    /// Property values of every shape, including the `(known after apply)` placeholder.
    public static let everyValue: [String: RenderedValue] = [
        "name": .string("acme-web-pr-5"),
        "empty": .string(""),
        "looks_like_bool": .string("true"),
        "enabled": .bool(true),
        "disabled": .bool(false),
        "list": .list([.string("a"), .bool(false), .list([]), .map(["k": .string("v")])]),
        "empty_map": .map([:]),
        "nested": .map([
            "url": .unknown(source: "${site.outputs.SiteURL}"),
            "deeper": .map(["items": .list([.unknown(source: "${build.outputs.arn}"), .string("x")])]),
        ]),
        "pending": .unknown(source: "${pipeline.outputs.stage.Deploy}"),
    ]

    /// A node with every field set (`lastError` only when failed), `seconds` after `date`.
    public static func node(
        _ id: String, status: NodeStatus = .created, type: ResourceType = "aws/s3-prefix", seconds: TimeInterval = 0
    ) -> NodeRecord {
        NodeRecord(
            id: id, type: type, status: status, properties: everyValue,
            outputs: ["bucket": "acme-previews", "uri": "s3://acme-previews/\(id)/", "stage.Deploy": "Succeeded"],
            dependencies: status == .creating ? [] : ["bucket", "build"],
            physicalName: status == .creating ? nil : "acme-web-pr-5-\(id)",
            lastError: status == .failed ? "AccessDenied: not authorized to perform s3:PutObject" : nil,
            updatedAt: date.addingTimeInterval(seconds))
    }

    /// One node per status, the resource types taken in turn.
    public static func allNodes() -> [String: NodeRecord] {
        let types: [ResourceType] = ["aws/s3-prefix", "aws/codebuild-project", "aws/codepipeline", "aws/cloudformation-stack"]
        var nodes: [String: NodeRecord] = [:]
        for (index, status) in NodeStatus.allCases.enumerated() {
            let node = node("\(status.rawValue)-node", status: status, type: types[index % types.count], seconds: Double(index))
            nodes[node.id] = node
        }
        return nodes
    }

    public static func record(
        _ key: EnvironmentKey = key(), state: EnvironmentPhase = .ready(sha: sha("a")),
        nodes: [String: NodeRecord] = allNodes(), seconds: TimeInterval = 60
    ) -> EnvironmentRecord {
        EnvironmentRecord(
            key: key, envName: "pr-\(key.pr)-\(key.blueprint)", headSHA: sha("a"), state: state,
            nodes: nodes, updatedAt: date.addingTimeInterval(seconds))
    }

    public static func sha(_ digit: Character) -> String { String(repeating: digit, count: 40) }

    /// Text that breaks naive SQL, JSON or C-string handling; no NULs (SQLite text and Postgres
    /// text both reject or truncate them, and GitHub never sends them in names).
    public static let hostileStrings: [String] = [
        "O'Brien", "\"double\"", "'; DROP TABLE environments; --", "back\\slash\\", "percent%_under",
        "new\nline\ttab\r", "ünïcödé ñ", "日本語のブランチ", "emoji 🚀👩‍👩‍👧", "\u{7F}\u{1}\u{1F}control",
        "${site.outputs.x}", "{\"json\": [1, 2]}", "  spaced  ", "",
    ]
}
