import Blueprint
import ResourceGraph

/// What will happen to one node, decided by comparing the rendered blueprint with the record.
public enum PlanAction: Sendable, Hashable, Codable, CustomStringConvertible {
    case create
    /// `changed`: sorted property names whose values differ (or will, once an upstream output changes).
    case update(changed: [String])
    /// Delete then create, because the type or an immutable property (a name) changed.
    case replace(reason: String)
    case delete
    case noop

    public var description: String {
        switch self {
        case .create: "create"
        case .update(let changed): "update (" + changed.joined(separator: ", ") + ")"
        case .replace(let reason): "replace (\(reason))"
        case .delete: "delete"
        case .noop: "no change"
        }
    }
}

/// One node of a plan.
public struct PlanStep: Sendable, Hashable, Identifiable {
    public var id: String
    public var type: ResourceType
    public var action: PlanAction
    /// Every edge, implicit and explicit, sorted. For deletes, the *recorded* dependencies.
    public var dependsOn: [String]
    /// Rendered with the recorded outputs that will still hold; `.unknown` where an output is only
    /// known after apply. For deletes, the properties as recorded.
    public var properties: [String: RenderedValue]

    public init(id: String, type: ResourceType, action: PlanAction, dependsOn: [String], properties: [String: RenderedValue]) {
        self.id = id
        self.type = type
        self.action = action
        self.dependsOn = dependsOn
        self.properties = properties
    }
}

/// A plan: steps in execution order (creates/updates dependencies first, then deletes dependents
/// first), and the graph the executor walks.
public struct Plan: Sendable, Equatable {
    public var steps: [PlanStep]
    /// Every step is a node; edges are `dependsOn` (restricted to nodes in the plan).
    public var graph: ResourceGraph

    public init(steps: [PlanStep], graph: ResourceGraph) {
        self.steps = steps
        self.graph = graph
    }

    public func step(_ id: String) -> PlanStep? { steps.first { $0.id == id } }

    /// True when nothing would change.
    public var isEmpty: Bool { steps.allSatisfy { $0.action == .noop } }

    /// The sub-graph of the steps `include` selects, edges among them only.
    func subgraph(where include: (PlanStep) -> Bool) -> ResourceGraph {
        let ids = Set(steps.filter(include).map(\.id))
        var map: [String: Set<String>] = [:]
        for step in steps where ids.contains(step.id) { map[step.id] = Set(step.dependsOn).intersection(ids) }
        return Self.graph(map)
    }

    /// Builds a graph from a map whose references all exist (callers filter first), so it cannot throw.
    static func graph(_ dependencies: [String: Set<String>]) -> ResourceGraph {
        let ids = Set(dependencies.keys)
        return (try? ResourceGraph(dependencies: dependencies.mapValues { $0.intersection(ids) })) ?? .empty
    }
}
