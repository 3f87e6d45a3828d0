import ResourceGraph

/// How an apply or destroy ended, per node, plus the record as left in the store.
public struct ExecutionResult: Sendable {
    /// One outcome per node that was part of the run.
    public var outcomes: [String: NodeOutcome]
    /// The action each started node actually took (it can differ from the plan: a planned no-op whose
    /// upstream output changed during the run becomes an update).
    public var actions: [String: PlanAction]
    /// The record after the run; nil once a destroy removed it (or if it could not be read).
    public var record: EnvironmentRecord?
    /// A failure outside any node (the store could not be read or written, a cycle in recorded
    /// dependencies) that stopped the run.
    public var error: (any Error & Sendable)?

    public init(outcomes: [String: NodeOutcome] = [:], actions: [String: PlanAction] = [:],
                record: EnvironmentRecord? = nil, error: (any Error & Sendable)? = nil) {
        self.outcomes = outcomes
        self.actions = actions
        self.record = record
        self.error = error
    }

    /// Every node succeeded and nothing else went wrong.
    public var succeeded: Bool { error == nil && outcomes.values.allSatisfy(\.isSucceeded) }
    public var failedNodes: [String] { nodes(where: \.isFailed) }
    public var skippedNodes: [String] { nodes(where: \.isSkipped) }
    public var cancelledNodes: [String] { nodes(where: \.isCancelled) }

    /// The root causes, sorted by node.
    public var errors: [ProvisionError] {
        outcomes.sorted { $0.key < $1.key }.compactMap { _, outcome in
            if case .failed(let error) = outcome { return error as? ProvisionError }
            return nil
        }
    }

    /// One line fit for a commit status: `failed: build; skipped: pipeline, site`.
    public var summary: String {
        if let error { return "error: \(error)" }
        var parts: [String] = []
        if !failedNodes.isEmpty { parts.append("failed: " + failedNodes.joined(separator: ", ")) }
        if !skippedNodes.isEmpty { parts.append("skipped: " + skippedNodes.joined(separator: ", ")) }
        if !cancelledNodes.isEmpty { parts.append("cancelled: " + cancelledNodes.joined(separator: ", ")) }
        return parts.isEmpty ? "succeeded (\(outcomes.count) resources)" : parts.joined(separator: "; ")
    }

    private func nodes(where predicate: (NodeOutcome) -> Bool) -> [String] {
        outcomes.filter { predicate($0.value) }.map(\.key).sorted()
    }

    /// Adds the outcomes and actions of a later walk of the same run.
    mutating func merge(_ walk: WalkResult, actions more: [String: PlanAction]) {
        outcomes.merge(walk.outcomes) { _, new in new }
        actions.merge(more) { _, new in new }
    }
}
