import Blueprint
import Foundation
import ResourceGraph

/// Carries out plans: walks the graph (parallel where independent, at most `maxConcurrency` provider
/// calls at once), calls providers, and records every node's state before and after each call.
public struct Executor: Sendable {
    public let providers: [ResourceType: any ResourceProvider]
    public let store: any StateStore
    public let maxConcurrency: Int
    /// The prenv installation this executor acts for (`PRENV_INSTANCE`): tagged on everything it
    /// creates and checked before anything is changed or deleted. nil: untagged and unchecked.
    public let instance: String?
    /// Injected so records and durations are deterministic in tests.
    public let now: @Sendable () -> Date
    /// How long after deleting a node recorded `creating` the executor looks for it once more.
    ///
    /// `creating` means the create was cut off (a cancelled task, a killed process) and its request
    /// may still be on its way: AWS carries out a request already sent, and another connection's
    /// read can be answered first. A destroy that found nothing could then remove the record just
    /// before the resource appears, leaving it to the hourly orphan sweep. A second look this much
    /// later catches such a late create; it costs a teardown only when a create was interrupted.
    public let lateCreateRecheck: Duration

    /// The default second look: far longer than a create request takes to be carried out.
    public static let defaultLateCreateRecheck: Duration = .seconds(10)

    public init(
        providers: [ResourceType: any ResourceProvider], store: any StateStore, maxConcurrency: Int = 4,
        instance: String? = nil, lateCreateRecheck: Duration = Executor.defaultLateCreateRecheck,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.providers = providers
        self.store = store
        self.maxConcurrency = max(1, maxConcurrency)
        self.instance = instance
        self.lateCreateRecheck = lateCreateRecheck
        self.now = now
    }

    /// Registers each provider under its own `type`.
    public init(providers: [any ResourceProvider], store: any StateStore, maxConcurrency: Int = 4,
                instance: String? = nil, lateCreateRecheck: Duration = Executor.defaultLateCreateRecheck,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.init(providers: Dictionary(providers.map { ($0.type, $0) }, uniquingKeysWith: { _, last in last }),
                  store: store, maxConcurrency: maxConcurrency, instance: instance, lateCreateRecheck: lateCreateRecheck, now: now)
    }

    func provider(for type: ResourceType) throws -> any ResourceProvider {
        guard let provider = providers[type] else { throw ExecutionError.noProvider(type.rawValue) }
        return provider
    }

    /// Walks `graph` calling `body` per node; maps the walker's skipped/cancelled events to progress
    /// events (the body reports its own start, success and failure, with the action it took).
    func walk(
        _ graph: ResourceGraph, direction: WalkDirection, plan: Plan, onEvent: @escaping @Sendable (ProgressEvent) -> Void,
        _ body: @escaping @Sendable (PlanStep) async throws -> Void
    ) async throws(GraphError) -> WalkResult {
        let steps = Dictionary(plan.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let walker = GraphWalker(graph: graph, direction: direction, maxConcurrency: maxConcurrency)
        return try await walker.walk(onEvent: { event in
            let action = steps[event.node]?.action ?? .noop
            switch event {
            case .skipped(let node, let blockedBy): onEvent(.skipped(node: node, action: action, blockedBy: blockedBy))
            case .cancelled(let node): onEvent(.cancelled(node: node, action: action))
            case .started, .succeeded, .failed: break
            }
        }) { id in
            guard let step = steps[id] else { return }
            try await body(step)
        }
    }

    /// Seconds between `start` and now, as a `Duration`.
    func elapsed(since start: Date) -> Duration {
        .milliseconds(Int64((now().timeIntervalSince(start) * 1000).rounded()))
    }

    /// Runs `work`, reporting start and end; a `ProvisionError` is reported as the node's failure.
    /// Cancellation is rethrown unreported (the walker reports it).
    func reporting(
        _ node: String, action: PlanAction, ledger: RunLedger, onEvent: @escaping @Sendable (ProgressEvent) -> Void,
        _ work: () async throws -> Void
    ) async throws {
        let start = now()
        await ledger.note(node, action: action)
        onEvent(.started(node: node, action: action, at: start))
        do {
            try await work()
            onEvent(.succeeded(node: node, action: action, duration: elapsed(since: start)))
        } catch let error as ProvisionError {
            onEvent(.failed(node: node, action: action, error: error, duration: elapsed(since: start)))
            throw error
        }
    }
}

/// Whether `error` means "stopped because the run was cancelled" rather than a provider failure.
func isCancellation(_ error: any Error) -> Bool {
    error is CancellationError && Task.isCancelled
}
