import Blueprint
import Foundation
import Orchestrator
import Providers
import Supervisor
import Synchronization

/// An AWS account in memory for sweep tests: resources by physical name, with their tags, and a
/// journal of deletions in order. Deletes refuse a resource tagged for another environment, as the
/// real providers' ownership checks do.
actor SweepCloud {
    private(set) var tags: [String: [String: String]] = [:]
    private(set) var deletions: [String] = []
    /// Physical names whose delete fails, with the error.
    private var failing: [String: String] = [:]
    private(set) var failuresFired = 0

    func put(_ name: String, tags: [String: String]) { self.tags[name] = tags }

    func failDelete(of name: String, with message: String) { failing[name] = message }

    func delete(_ name: String, envName: String) throws {
        if let message = failing[name] {
            failuresFired += 1
            throw SweepFault(message: message)
        }
        guard let owned = tags[name] else { return }  // already gone: success, as providers treat it
        guard owned[PrenvTag.environment] == envName else { throw SweepFault(message: "\(name) is tagged for another environment") }
        tags[name] = nil
        deletions.append(name)
    }

    func exists(_ name: String) -> Bool { tags[name] != nil }
}

struct SweepFault: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A provider of one type over `SweepCloud`; only `destroy` is used by the sweep.
struct SweepProvider: ResourceProvider {
    let type: ResourceType
    let cloud: SweepCloud

    func apply(_ request: ApplyRequest) async throws -> ApplyResult { throw SweepFault(message: "the sweep never applies") }

    func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        guard let name = record.physicalName else { throw SweepFault(message: "no physical name") }
        try await cloud.delete(name, envName: context.envName)
    }
}

/// A discovery answering from a fixed list, with the entries it skipped (or failing), counting its calls.
final class FixedDiscovery: ResourceDiscovery {
    let type: ResourceType
    let answer: Result<DiscoveryResult, SweepFault>
    let calls = Mutex(0)

    init(_ type: ResourceType, _ resources: [DiscoveredResource], skipped: [SkippedEntry] = []) {
        self.type = type
        answer = .success(DiscoveryResult(resources: resources, skipped: skipped))
    }

    init(_ type: ResourceType, failing message: String) {
        self.type = type
        answer = .failure(SweepFault(message: message))
    }

    func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
        calls.withLock { $0 += 1 }
        return try answer.get()
    }
}

enum SweepFixtures {
    static let instance = "prenv-test"
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let types: [ResourceType] = ProviderKind.all.map(\.type)

    static func key(_ pr: Int, repository: String = "acme/webapp", blueprint: String = "webapp") -> EnvironmentKey {
        EnvironmentKey(repository: repository, pr: pr, blueprint: blueprint)
    }

    static func envName(_ pr: Int) -> String { "webapp-webapp-pr\(pr)" }

    /// A resource tagged for `instance` and PR `pr`'s environment, made `age` seconds before `now`.
    static func resource(
        _ name: String, type: ResourceType, pr: Int, node: String?, age: TimeInterval? = 7200, envName: String? = nil,
        instance: String = SweepFixtures.instance, extraTags: [String: String] = [:]
    ) -> DiscoveredResource {
        var tags = [
            PrenvTag.managedBy: "prenv", PrenvTag.instance: instance, PrenvTag.repository: "acme/webapp", PrenvTag.pr: String(pr),
            PrenvTag.blueprint: "webapp", PrenvTag.environment: envName ?? Self.envName(pr),
        ]
        if let node { tags[PrenvTag.node] = node }
        tags.merge(extraTags) { $1 }
        return DiscoveredResource(
            type: type, identifier: "arn:aws:test:us-east-1:123456789012:\(name)", tags: tags, createdAt: age.map { now.addingTimeInterval(-$0) },
            node: NodeRecord(id: node ?? name, type: type, status: .created, physicalName: name, updatedAt: now))
    }

    static func node(_ id: String, type: ResourceType, name: String, status: NodeStatus = .created) -> NodeRecord {
        NodeRecord(id: id, type: type, status: status, physicalName: name, updatedAt: now)
    }

    static func record(_ pr: Int, state: EnvironmentPhase = .ready(sha: "abc"), envName: String? = nil, nodes: [NodeRecord]) -> EnvironmentRecord {
        EnvironmentRecord(key: key(pr), envName: envName ?? Self.envName(pr), headSHA: "abc", state: state,
                          nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) }), updatedAt: now)
    }

    /// `webapp`: artifacts (prefix) ← build (project) ← site (stack) ← pipeline (pipeline). The
    /// pipeline waits for the stack, the reverse of the fixed type order, so the two orders differ.
    static let blueprint = Blueprint(
        name: "webapp", file: "webapp.yaml", baseDirectory: ".", triggers: Triggers(repositories: [Glob("acme/*")]),
        resources: [
            ResourceSpec(id: "artifacts", kind: ProviderKind.s3Prefix.resource, properties: [:]),
            ResourceSpec(id: "build", kind: ProviderKind.codeBuildProject.resource, properties: [:], dependsOn: ["artifacts"]),
            ResourceSpec(id: "site", kind: ProviderKind.cloudFormationStack.resource, properties: [:], dependsOn: ["build"]),
            ResourceSpec(id: "pipeline", kind: ProviderKind.codePipeline.resource, properties: [:], dependsOn: ["site"]),
        ])

    /// A sweep over `discoveries`, with one `SweepProvider` per shipped type.
    static func sweep(
        _ discoveries: [any ResourceDiscovery], store: any StateStore, cloud: SweepCloud, blueprints: [Blueprint] = [blueprint],
        pullRequests: (any PullRequestLookup)? = nil, openPullRequestCheck: (any PullRequestLookup)? = nil
    ) -> OrphanSweep {
        OrphanSweep(
            discoveries: discoveries, store: store, blueprints: blueprints, instance: instance, pullRequests: pullRequests,
            openPullRequestCheck: openPullRequestCheck,
            providers: types.map { SweepProvider(type: $0, cloud: cloud) }, dependencyOrder: types, maxConcurrency: 1, now: { now })
    }

    /// Puts every resource in the cloud and groups them by type into discoveries.
    static func discoveries(_ resources: [DiscoveredResource], cloud: SweepCloud) async -> [any ResourceDiscovery] {
        for resource in resources { await cloud.put(resource.node.physicalName ?? resource.identifier, tags: resource.tags) }
        return types.map { type in FixedDiscovery(type, resources.filter { $0.type == type }) }
    }
}
