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
    /// A stage of the run a resource started changed state (a pipeline's stages).
    case stage(StageProgress)

    public var node: String {
        switch self {
        case .started(let node, _, _), .progress(let node, _), .succeeded(let node, _, _),
             .failed(let node, _, _, _), .skipped(let node, _, _), .cancelled(let node, _):
            node
        case .stage(let stage):
            stage.node
        }
    }
}

/// One stage transition of a run a provider started (a pipeline execution), for per-stage commit
/// statuses. Every stage the run reaches yields `InProgress` first and then its final status, each
/// once and in order, even when a poll missed the start.
public struct StageProgress: Sendable, Hashable {
    public var node: String
    public var stage: String
    /// The service's stage status: `InProgress`, `Succeeded`, `Failed`, `Stopping`, `Stopped`, …
    public var status: String
    /// The failing action's message, or an action's summary; nil when the service gave none.
    public var summary: String?
    public var executionID: String

    public init(node: String, stage: String, status: String, summary: String? = nil, executionID: String) {
        self.node = node
        self.stage = stage
        self.status = status
        self.summary = summary
        self.executionID = executionID
    }
}
