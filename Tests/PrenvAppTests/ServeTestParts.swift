import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Hummingbird
import Logging
import Orchestrator
import PrenvApp
import Supervisor
import WebhookSupport

/// An in-memory inbox that also remembers every delivery it was asked to record, so a test can
/// tell "recorded" from "refused" even after a worker has drained the event.
actor RecordingInbox: EventInbox {
    private let inner = InMemoryEventInbox()
    private(set) var appended: [String] = []

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) async throws
        -> InboxAppendResult
    {
        let result = await inner.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload,
                                        receivedAt: receivedAt)
        if case .recorded = result { appended.append(deliveryID) }
        return result
    }
    func pending(key: String) async throws -> [InboxEvent] { await inner.pending(key: key) }
    func pendingKeys() async throws -> [String] { await inner.pendingKeys() }
    func markProcessed(key: String, through sequence: Int64) async throws { await inner.markProcessed(key: key, through: sequence) }
    func prune(processedBefore date: Date) async throws -> Int { await inner.prune(processedBefore: date) }
}

/// Operations that never touch AWS: each call is noted and then waits until the server stops
/// (cancellation), as a long apply would.
actor NotedOperations: EnvironmentOperations {
    private(set) var applied: [EnvironmentKey] = []

    func apply(blueprint: Blueprint, context: PRContext, key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult {
        applied.append(key)
        try? await Task.sleep(for: .seconds(3600))
        return ExecutionResult()
    }

    func destroy(key: EnvironmentKey, observer: OperationObserver) async -> ExecutionResult { ExecutionResult() }
}

/// Statuses go nowhere: the routes are under test here, not the narration.
struct DiscardedStatuses: CommitStatusPoster {
    func post(repository: String, sha: String, status: CommitStatus) async throws {}
}

struct StoreUnreadable: Error, CustomStringConvertible {
    var description: String { "disk I/O error at /var/lib/prenv/state.sqlite" }
}

/// A state store whose reads fail, as a corrupt or vanished database file would.
struct UnreadableStateStore: StateStore, WorkerStore {
    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? { throw StoreUnreadable() }
    func save(_ record: EnvironmentRecord) async throws { throw StoreUnreadable() }
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws { throw StoreUnreadable() }
    func list() async throws -> [EnvironmentRecord] { throw StoreUnreadable() }
    func delete(_ key: EnvironmentKey) async throws { throw StoreUnreadable() }
    func instanceID(proposing candidate: String) async throws -> String { throw StoreUnreadable() }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { throw StoreUnreadable() }
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws { throw StoreUnreadable() }
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { throw StoreUnreadable() }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { throw StoreUnreadable() }
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws { throw StoreUnreadable() }
    func saveWorker(_ record: WorkerRecord) async throws { throw StoreUnreadable() }
    func workers() async throws -> [WorkerRecord] { throw StoreUnreadable() }
}

/// The parts of a test server: one blueprint for `acme/webapp`, in-memory state, noted operations.
struct ServeFixture {
    let inbox = RecordingInbox()
    let operations = NotedOperations()
    let store: any StateStore
    let workers: any WorkerStore
    let settings: ServeSettings

    /// - Parameters:
    ///   - host: where the server would listen (decides whether `/api/*` is served without a token).
    ///   - environment: added to the webhook secret, e.g. `PRENV_API_TOKEN`.
    init(store: any StateStore = InMemoryStateStore(), workers: any WorkerStore = InMemoryWorkerStore(),
         host: String? = nil, environment: [String: String] = [:]) throws {
        self.store = store
        self.workers = workers
        settings = try ServeSettings.resolve(flags: .init(host: host, port: 0),
                                             environment: environment.merging(["PRENV_WEBHOOK_SECRET": WebhookFixtures.secret]) { _, secret in secret })
    }

    static let blueprint = """
        name: webapp
        on:
          repositories: ["acme/webapp"]
        resources:
          artifacts:
            type: aws/s3-prefix
            properties:
              bucket: acme-previews
              prefix: "${repo.name}/pr-${pr.number}/"
        """

    /// - Parameters:
    ///   - orphanSweep: what the periodic sweep runs, every `gcInterval` seconds; nil sweeps nothing.
    func application(
        maxBodyBytes: Int = ServeOptions().maxBodyBytes, orphanSweep: OrphanSweep? = nil, gcInterval: Double = ServeOptions().gcInterval,
        logger: Logger = Logger(label: "prenv.serve")
    ) throws -> some ApplicationProtocol {
        let blueprint = try BlueprintLoader.parse(yaml: Self.blueprint, file: "webapp.yaml", kinds: Composition.kinds)
        let parts = ServeParts(blueprints: [blueprint], store: store, workers: workers, inbox: inbox,
                               operations: operations, statusPoster: DiscardedStatuses(), orphanSweep: orphanSweep)
        return buildApplication(settings: settings, options: ServeOptions(maxBodyBytes: maxBodyBytes, gcInterval: gcInterval), parts: parts, logger: logger)
    }
}

extension HTTPFields {
    /// The webhook helpers' headers, as Hummingbird's test client sends them.
    init(_ headers: HTTPTransport.HTTPHeaders) {
        // `HTTPField` itself is not re-exported by Hummingbird; it is this collection's element.
        typealias Field = HTTPFields.Element
        self.init()
        for (name, value) in headers.fields {
            if let field = Field.Name(name) { self.append(Field(name: field, value: value)) }
        }
    }
}
