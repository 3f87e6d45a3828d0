import Blueprint
import Foundation
import Orchestrator
import Providers

/// A fake cloud shared by the fake providers: what to fail or hang on, and every request received.
actor FakeCloud {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var failApply: Set<String> = []
    var failDestroy: Set<String> = []
    /// Nodes whose apply waits until cancelled: a provider that never returns.
    var hangApply: Set<String> = []
    private(set) var requests: [ApplyRequest] = []
    /// The context of the last destroy of each node.
    private(set) var destroyContexts: [String: ProvisionContext] = [:]
    let journal: Journal

    init(journal: Journal) { self.journal = journal }

    func set(failApply: Set<String> = [], failDestroy: Set<String> = [], hangApply: Set<String> = []) {
        self.failApply = failApply
        self.failDestroy = failDestroy
        self.hangApply = hangApply
    }

    func received(_ request: ApplyRequest) async {
        requests.append(request)
        await journal.append("apply \(request.nodeID)")
    }

    func lastRequest(_ node: String) -> ApplyRequest? { requests.last { $0.nodeID == node } }

    func destroying(_ node: String, context: ProvisionContext) { destroyContexts[node] = context }
}

struct FakeProvider: ResourceProvider {
    let type: ResourceType
    let cloud: FakeCloud

    func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        await cloud.received(request)
        request.progress("working on \(request.nodeID)")
        if await cloud.hangApply.contains(request.nodeID) {
            try await Task.sleep(for: .seconds(3600))
        }
        if await cloud.failApply.contains(request.nodeID) {
            throw FakeCloud.Failure(description: "AccessDenied: not allowed to touch \(request.nodeID)")
        }
        return ApplyResult(outputs: Fixtures.outputs(type: type, properties: request.properties),
                           physicalName: "\(request.context.envName)-\(request.nodeID)")
    }

    func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        await cloud.destroying(record.id, context: context)
        await cloud.journal.append("destroy \(record.id)")
        if await cloud.failDestroy.contains(record.id) {
            throw FakeCloud.Failure(description: "DeleteConflict: \(record.id) is in use")
        }
    }

    static func all(_ cloud: FakeCloud) -> [any ResourceProvider] {
        ProviderKind.all.map { FakeProvider(type: $0.type, cloud: cloud) }
    }
}

/// Wraps the in-memory store and journals every node write as `store <node> <status>`.
actor RecordingStore: StateStore {
    let inner = InMemoryStateStore()
    let journal: Journal

    init(journal: Journal) { self.journal = journal }

    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? { await inner.load(key) }
    func save(_ record: EnvironmentRecord) async throws { await inner.save(record) }
    func instanceID(proposing candidate: String) async throws -> String { await inner.instanceID(proposing: candidate) }
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws {
        await journal.append("store \(node.id) \(node.status.rawValue)")
        try await inner.saveNode(key, node)
    }
    func list() async throws -> [EnvironmentRecord] { await inner.list() }
    func delete(_ key: EnvironmentKey) async throws { await inner.delete(key) }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { await inner.deployment(key, sha: sha) }
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws { await inner.saveDeployment(key, deployment) }
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { await inner.latestDeployment(key) }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { await inner.prComment(key) }
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws { await inner.savePRComment(key, comment) }
}

/// One executor over fakes, with its journal, cloud and store.
struct Harness {
    let journal: Journal
    let cloud: FakeCloud
    let store: RecordingStore
    let executor: Executor

    init(maxConcurrency: Int = 2, instance: String? = nil, lateCreateRecheck: Duration = .milliseconds(5)) {
        let journal = Journal()
        let cloud = FakeCloud(journal: journal)
        let store = RecordingStore(journal: journal)
        let providers: [any ResourceProvider] = FakeProvider.all(cloud)
        self.journal = journal
        self.cloud = cloud
        self.store = store
        executor = Executor(providers: providers, store: store, maxConcurrency: maxConcurrency, instance: instance,
                            lateCreateRecheck: lateCreateRecheck, now: Fixtures.now)
    }

    /// Plans against the stored record and applies.
    func apply(_ blueprint: Blueprint, context: PRContext = Fixtures.context(), sink: EventSink? = nil) async throws -> ExecutionResult {
        let recorded = try await store.load(Fixtures.key)
        let plan = Planner.plan(blueprint: blueprint, context: context, recorded: recorded)
        var onEvent: @Sendable (ProgressEvent) -> Void = { _ in }
        if let sink { onEvent = sink.sink }
        return await executor.apply(plan: plan, blueprint: blueprint, context: context, key: Fixtures.key, onEvent: onEvent)
    }

    func record() async throws -> EnvironmentRecord? { try await store.load(Fixtures.key) }
}
