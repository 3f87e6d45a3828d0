import Foundation

/// What the executor reports as it goes: the CLI prints these and the server turns them into
/// commit statuses. Delivered in causal order (a node's `started` before its end, a root cause's
/// `failed` before the `skipped` it causes).
public enum ProgressEvent: Sendable {
    case started(node: String, action: PlanAction, at: Date)
    /// A provider's own progress line, e.g. "stack CREATE_IN_PROGRESS".
    case progress(node: String, message: String)
    case succeeded(node: String, action: PlanAction, duration: Duration)
    case failed(node: String, action: PlanAction, error: ProvisionError, duration: Duration)
    /// Not run because `blockedBy` (the failed root causes) failed.
    case skipped(node: String, action: PlanAction, blockedBy: [String])
    /// Not finished because the run was cancelled.
    case cancelled(node: String, action: PlanAction)

    public var node: String {
        switch self {
        case .started(let node, _, _), .progress(let node, _), .succeeded(let node, _, _),
             .failed(let node, _, _, _), .skipped(let node, _, _), .cancelled(let node, _):
            node
        }
    }
}
