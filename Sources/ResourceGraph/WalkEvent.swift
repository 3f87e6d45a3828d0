/// Which way a walk follows the edges.
public enum WalkDirection: Sendable, Hashable {
    /// Dependencies first: provisioning.
    case forward
    /// Dependents first: teardown.
    case reverse
}

/// How one node's part of a walk ended.
public enum NodeOutcome: Sendable {
    /// The body returned normally.
    case succeeded
    /// The body threw (anything but a `CancellationError` caused by cancelling the walk).
    case failed(any Error & Sendable)
    /// Never run because a prerequisite failed. `blockedBy` names the root causes: every failed node
    /// upstream (in walk direction), sorted, rather than the nearest skipped one, so a report points at
    /// what to fix.
    case skipped(blockedBy: [String])
    /// The walk was cancelled before the node could finish (never started, or stopped by cancellation).
    case cancelled

    public var isSucceeded: Bool { if case .succeeded = self { true } else { false } }
    public var isFailed: Bool { if case .failed = self { true } else { false } }
    public var isSkipped: Bool { if case .skipped = self { true } else { false } }
    public var isCancelled: Bool { if case .cancelled = self { true } else { false } }
}

/// Progress of a walk, delivered in causal order: a node's `started` before its `succeeded`/`failed`,
/// a prerequisite's `succeeded` before the dependent's `started`, a root cause's `failed` before the
/// `skipped` it causes. Status reporters turn these into commit statuses as they happen.
public enum WalkEvent: Sendable {
    case started(node: String, at: ContinuousClock.Instant)
    case succeeded(node: String, duration: Duration)
    case failed(node: String, error: any Error & Sendable, duration: Duration)
    case skipped(node: String, blockedBy: [String])
    case cancelled(node: String)

    /// The node the event is about.
    public var node: String {
        switch self {
        case .started(let node, _), .succeeded(let node, _), .failed(let node, _, _),
             .skipped(let node, _), .cancelled(let node):
            node
        }
    }
}

/// Every node's outcome, plus the summaries a caller usually wants first.
public struct WalkResult: Sendable {
    /// One outcome for every node of the walked graph.
    public var outcomes: [String: NodeOutcome]
    /// True when every node succeeded (vacuously true for an empty graph).
    public var succeeded: Bool
    /// Nodes whose body failed: the root causes. Sorted.
    public var failedNodes: [String]
    /// Nodes not run because something upstream failed. Sorted.
    public var skippedNodes: [String]
    /// Nodes that did not finish because the walk was cancelled. Sorted.
    public var cancelledNodes: [String]

    public init(outcomes: [String: NodeOutcome]) {
        self.outcomes = outcomes
        let sorted = outcomes.sorted { $0.key < $1.key }
        failedNodes = sorted.filter { $0.value.isFailed }.map(\.key)
        skippedNodes = sorted.filter { $0.value.isSkipped }.map(\.key)
        cancelledNodes = sorted.filter { $0.value.isCancelled }.map(\.key)
        succeeded = sorted.allSatisfy { $0.value.isSucceeded }
    }
}
