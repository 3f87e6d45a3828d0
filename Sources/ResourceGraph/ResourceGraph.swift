/// A directed graph of named resources and the resources each one depends on.
///
/// Node ids are blueprint resource names. The graph is a value: build it once from a dependency map,
/// then ask for orders, cycles, closures or a parallel walk. Cycles are *allowed* in a graph value so that
/// `cycles()` can report all of them at once; only ordering and walking refuse them.
///
/// Internally nodes are numbered in sorted id order, so "smallest index" means "lexicographically smallest
/// id" and every deterministic tie-break is a plain integer comparison. Adjacency lists are sorted arrays
/// of indices: cheap to walk, and iteration order is stable.
public struct ResourceGraph: Sendable, Equatable {
    /// Every node id, sorted. `nodes[i]` is the node with index `i`.
    public let nodes: [String]
    /// Node id → index into `nodes`.
    let indexByID: [String: Int]
    /// `dependencyIndices[i]`: indices node `i` depends on, ascending.
    let dependencyIndices: [[Int]]
    /// `dependentIndices[i]`: indices that depend on node `i`, ascending.
    let dependentIndices: [[Int]]

    /// Builds a graph from `dependencies[node]` = the nodes `node` depends on (which must exist before it).
    ///
    /// Every node must appear as a key, possibly with an empty set. A reference to a node that is not a key
    /// throws `GraphError.unknownNodes` listing every such reference, sorted. Cycles (including a node
    /// depending on itself) do not throw here: call `cycles()` or `topologicalOrder()` to find them.
    public init(dependencies: [String: Set<String>]) throws(GraphError) {
        let nodes = dependencies.keys.sorted()
        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() { indexByID[node] = index }

        var unknown: [UnknownNodeReference] = []
        var dependencyIndices: [[Int]] = Array(repeating: [], count: nodes.count)
        var dependentIndices: [[Int]] = Array(repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for dependency in dependencies[node] ?? [] {
                if let dependencyIndex = indexByID[dependency] {
                    dependencyIndices[index].append(dependencyIndex)
                } else {
                    unknown.append(UnknownNodeReference(node: node, missing: dependency))
                }
            }
        }
        guard unknown.isEmpty else { throw .unknownNodes(unknown.sorted()) }
        for index in dependencyIndices.indices {
            dependencyIndices[index].sort()
            // Ascending `index` order keeps every dependent list sorted without a second sort.
            for dependency in dependencyIndices[index] { dependentIndices[dependency].append(index) }
        }
        self.init(nodes: nodes, indexByID: indexByID, dependencyIndices: dependencyIndices, dependentIndices: dependentIndices)
    }

    /// Memberwise, for derived graphs (`subgraph`) whose inputs are already validated and sorted.
    init(nodes: [String], indexByID: [String: Int], dependencyIndices: [[Int]], dependentIndices: [[Int]]) {
        self.nodes = nodes
        self.indexByID = indexByID
        self.dependencyIndices = dependencyIndices
        self.dependentIndices = dependentIndices
    }

    /// A graph with no nodes.
    public static let empty = ResourceGraph(nodes: [], indexByID: [:], dependencyIndices: [], dependentIndices: [])

    /// Two graphs are equal when they have the same nodes and the same edges; the rest is derived.
    public static func == (lhs: ResourceGraph, rhs: ResourceGraph) -> Bool {
        lhs.nodes == rhs.nodes && lhs.dependencyIndices == rhs.dependencyIndices
    }

    /// Number of nodes.
    public var count: Int { nodes.count }
    /// True when the graph has no nodes.
    public var isEmpty: Bool { nodes.isEmpty }
    /// Number of dependency edges (a self-dependency counts as one).
    public var edgeCount: Int { dependencyIndices.reduce(0) { $0 + $1.count } }

    /// Whether `node` is part of the graph.
    public func contains(_ node: String) -> Bool { indexByID[node] != nil }

    /// The nodes `node` depends on directly; empty for a node the graph does not contain.
    public func dependencies(of node: String) -> Set<String> {
        guard let index = indexByID[node] else { return [] }
        return Set(dependencyIndices[index].map { nodes[$0] })
    }

    /// The nodes that depend on `node` directly; empty for a node the graph does not contain.
    public func dependents(of node: String) -> Set<String> {
        guard let index = indexByID[node] else { return [] }
        return Set(dependentIndices[index].map { nodes[$0] })
    }

    /// The dependency map this graph was built from (every node a key), e.g. to record each resource's
    /// resolved dependencies so teardown works from recorded state even after the blueprint changes.
    public var dependencyMap: [String: Set<String>] {
        var map: [String: Set<String>] = [:]
        map.reserveCapacity(nodes.count)
        for (index, node) in nodes.enumerated() { map[node] = Set(dependencyIndices[index].map { nodes[$0] }) }
        return map
    }

    /// Every edge as `(dependency, dependent)`, sorted by dependency then dependent.
    public var edges: [(dependency: String, dependent: String)] {
        nodes.indices.flatMap { index in dependentIndices[index].map { (nodes[index], nodes[$0]) } }
    }
}
