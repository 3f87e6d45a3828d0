extension ResourceGraph {
    /// Every node, dependencies before dependents: the order to create resources in.
    ///
    /// Deterministic: among the nodes whose dependencies are all placed, the lexicographically smallest
    /// comes next (Kahn's algorithm with a min-heap), so the same blueprint always plans the same way.
    /// Throws `GraphError.cycles` listing every cycle (see `cycleReport(limit:)`).
    public func topologicalOrder() throws(GraphError) -> [String] {
        try orderedIndices(direction: .forward).map { nodes[$0] }
    }

    /// Every node, dependents before dependencies: the order to destroy resources in.
    ///
    /// Computed as Kahn's algorithm on the reversed edges with the same lexicographic tie-break, not as
    /// `topologicalOrder().reversed()`: both are valid, but this one reads "smallest ready name first" in
    /// both directions, which is easier to predict from a blueprint.
    public func reverseTopologicalOrder() throws(GraphError) -> [String] {
        try orderedIndices(direction: .reverse).map { nodes[$0] }
    }

    /// True when the graph has at least one cycle (including a self-dependency). O(V + E).
    public var hasCycles: Bool {
        kahn(direction: .forward).count != nodes.count
    }

    /// The heaviest dependency chain, as a lower bound on how long a parallel walk can take.
    ///
    /// `weight(node)` is the node's cost (e.g. its expected duration); the path is listed dependencies
    /// first and `length` is the sum of its weights. Ties pick the lexicographically smallest node at each
    /// step so the answer is stable. An empty graph gives `(0, [])`. Throws `GraphError.cycles`.
    public func criticalPath(weight: (String) -> Double) throws(GraphError) -> (length: Double, path: [String]) {
        let order = try orderedIndices(direction: .forward)
        guard !order.isEmpty else { return (0, []) }
        // finish[i]: heaviest chain ending at i; via[i]: the dependency that chain comes through.
        var finish = [Double](repeating: 0, count: nodes.count)
        var via = [Int?](repeating: nil, count: nodes.count)
        for index in order {
            var best: Int?
            for dependency in dependencyIndices[index] {
                // Ascending dependency order + strict `>` keeps the smallest name on ties.
                if let current = best, finish[dependency] <= finish[current] { continue }
                best = dependency
            }
            via[index] = best
            finish[index] = weight(nodes[index]) + (best.map { finish[$0] } ?? 0)
        }
        var end = 0
        for index in nodes.indices where finish[index] > finish[end] { end = index }
        var path = [end]
        while let previous = via[path[path.count - 1]] { path.append(previous) }
        return (finish[end], path.reversed().map { nodes[$0] })
    }

    /// Kahn's order of node indices in `direction`, or `GraphError.cycles` if some nodes never become ready.
    func orderedIndices(direction: WalkDirection) throws(GraphError) -> [Int] {
        let order = kahn(direction: direction)
        guard order.count == nodes.count else { throw .cycles(cycles()) }
        return order
    }

    /// Kahn's algorithm with a smallest-index-first heap; stops short of `nodes.count` on a cycle.
    private func kahn(direction: WalkDirection) -> [Int] {
        let prerequisites = direction == .forward ? dependencyIndices : dependentIndices
        let successors = direction == .forward ? dependentIndices : dependencyIndices
        var remaining = prerequisites.map(\.count)
        var ready = IndexHeap(precedes: <)
        for index in nodes.indices where remaining[index] == 0 { ready.insert(index) }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        while let index = ready.popFirst() {
            order.append(index)
            for successor in successors[index] {
                remaining[successor] -= 1
                if remaining[successor] == 0 { ready.insert(successor) }
            }
        }
        return order
    }
}
