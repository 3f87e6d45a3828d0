import Blueprint
import Foundation
import Orchestrator
import Providers
import ResourceGraph
import Testing

/// Paths, blueprints and PR contexts shared by the suites.
enum Fixtures {
    /// `/…/blueprints`, found from the real path of this file so it works through the symlinked package.
    static var blueprintsDirectory: String {
        let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("blueprints").path
    }

    /// The kinds prenv ships (descriptions only: these tests never build an AWS provider).
    static let kinds = ProviderKind.all.resourceKinds

    static var webappText: String {
        (try? String(contentsOfFile: blueprintsDirectory + "/webapp.yaml", encoding: .utf8)) ?? ""
    }

    static func webapp() throws -> Blueprint {
        try BlueprintLoader.load(path: blueprintsDirectory + "/webapp.yaml", kinds: kinds)
    }

    /// The reference blueprint with `edit` applied to its text, e.g. to drop a resource.
    static func webapp(editing edit: (String) -> String) throws -> Blueprint {
        try BlueprintLoader.parse(yaml: edit(webappText), file: "webapp-edited.yaml", baseDirectory: blueprintsDirectory, kinds: kinds)
    }

    /// `webapp.yaml` without the `site` resource (and the status URL that names it).
    static func webappWithoutSite() throws -> Blueprint {
        try webapp { text in
            let cut = text.components(separatedBy: "  # The preview site")[0]
            return cut + "\n"
        }
    }

    static func context(sha: String = String(repeating: "a", count: 40)) -> PRContext {
        PRContext(owner: "acme", repository: "webapp", number: 7, headSHA: sha, headRef: "feature/login",
                  baseRef: "main", author: "octocat")
    }

    static let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")
    static let date = Date(timeIntervalSince1970: 1_700_000_000)
    static let now: @Sendable () -> Date = { date }

    /// The outputs a fake provider reports for a resource with these properties.
    static func outputs(type: ResourceType, properties: [String: RenderedValue]) -> [String: String] {
        func string(_ key: String) -> String { properties[key]?.stringValue ?? "?" }
        switch type {
        case ProviderKind.s3Prefix.type:
            return ["bucket": string("bucket"), "prefix": string("prefix"), "uri": "s3://\(string("bucket"))/\(string("prefix"))"]
        case ProviderKind.codeBuildProject.type:
            return ["name": string("name"), "arn": "arn:aws:codebuild:eu-west-1:1:project/\(string("name"))"]
        case ProviderKind.codePipeline.type:
            return ["name": string("name"), "arn": "arn:aws:codepipeline:eu-west-1:1:\(string("name"))", "execution_id": "exec-1"]
        case ProviderKind.cloudFormationStack.type:
            return ["stack_id": "stack/\(string("stack_name"))", "SiteURL": "https://\(string("stack_name")).example"]
        default:
            return [:]
        }
    }

    /// A record as a successful apply would leave it, built without the executor (for pure planner tests).
    static func record(for blueprint: Blueprint, context: PRContext) -> EnvironmentRecord {
        var outputs: [String: [String: String]] = [:]
        var nodes: [String: NodeRecord] = [:]
        for id in (try? ResourceGraphOrder.order(blueprint)) ?? [] {
            guard let rendered = blueprint.render(resource: id, context: context, outputs: outputs) else { continue }
            let out = Self.outputs(type: rendered.type, properties: rendered.properties)
            outputs[id] = out
            nodes[id] = NodeRecord(id: id, type: rendered.type, status: .created, properties: rendered.properties,
                                   outputs: out, dependencies: rendered.dependencies, updatedAt: date)
        }
        return EnvironmentRecord(key: key, envName: blueprint.envName(for: context), headSHA: context.headSHA,
                                 state: .ready(sha: context.headSHA), nodes: nodes, updatedAt: date)
    }
}

enum ResourceGraphOrder {
    static func order(_ blueprint: Blueprint) throws -> [String] {
        try ResourceGraph(dependencies: blueprint.dependencies).topologicalOrder()
    }
}

/// A shared log of everything that happened, in order: provider calls and store writes.
actor Journal {
    private(set) var entries: [String] = []
    func append(_ entry: String) { entries.append(entry) }

    func index(of entry: String) -> Int? { entries.firstIndex(of: entry) }

    /// Waits (bounded) until `entry` has been logged; for tests that cancel mid-walk.
    func waitFor(_ entry: String) async -> Bool {
        for _ in 0..<500 {
            if entries.contains(entry) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// Collects progress events from the executor's synchronous sink.
final class EventSink: Sendable {
    private let journal = Journal()
    private let stream: AsyncStream<ProgressEvent>
    private let continuation: AsyncStream<ProgressEvent>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    var sink: @Sendable (ProgressEvent) -> Void { { [continuation] in continuation.yield($0) } }

    /// Every event so far, in delivery order (ends the stream).
    func events() async -> [ProgressEvent] {
        continuation.finish()
        var all: [ProgressEvent] = []
        for await event in stream { all.append(event) }
        return all
    }
}
