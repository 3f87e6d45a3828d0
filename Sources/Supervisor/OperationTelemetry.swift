import Blueprint
import Foundation
import Orchestrator
import Synchronization
import Telemetry

/// Turns one operation's progress events into `prenv_operation_duration_seconds`: each resource's
/// create, update, replace or delete, by its type and how it ended. Here, not in the executor: the
/// engine knows nothing of metrics (`EngineImportTests`).
///
/// The label is the resource's *type* from the blueprint (a kind prenv ships), never the node's id
/// or physical name. A node the blueprint does not name (a destroy after the blueprint dropped it,
/// or an unloaded blueprint) is `unknown`. A cancelled node's event carries no duration, so the
/// time since its `started` is taken.
final class OperationTelemetry: Sendable {
    private let types: [String: String]
    private let started = Mutex<[String: ContinuousClock.Instant]>([:])

    init(blueprint: Blueprint?) {
        types = Dictionary((blueprint?.resources ?? []).map { ($0.id, $0.type.rawValue) }, uniquingKeysWith: { first, _ in first })
    }

    /// An observer that records, then hands every event on to `next` (the narrator).
    func observing(_ next: @escaping @Sendable (ProgressEvent) -> Void) -> OperationObserver {
        OperationObserver { [self] event in
            record(event)
            next(event)
        }
    }

    func record(_ event: ProgressEvent) {
        switch event {
        case .started(let node, _, _):
            started.withLock { $0[node] = .now }
        case .succeeded(let node, let action, let duration):
            finish(node, action, .succeeded, duration)
        case .failed(let node, let action, _, let duration):
            finish(node, action, .failed, duration)
        case .cancelled(let node, let action):
            guard let since = started.withLock({ $0[node] }) else { return }  // never started: nothing was timed
            finish(node, action, .cancelled, since.duration(to: .now))
        case .progress, .skipped, .stage:
            break
        }
    }

    private func finish(_ node: String, _ action: PlanAction, _ outcome: Telemetry.OperationOutcome, _ duration: Duration) {
        started.withLock { $0[node] = nil }
        guard let action = Self.action(action) else { return }
        Telemetry.operationFinished(resourceType: types[node] ?? "unknown", action: action, outcome: outcome, duration: duration)
    }

    static func action(_ action: PlanAction) -> Telemetry.OperationAction? {
        switch action {
        case .create: .create
        case .update: .update
        case .replace: .replace
        case .delete: .delete
        case .noop: nil
        }
    }
}
