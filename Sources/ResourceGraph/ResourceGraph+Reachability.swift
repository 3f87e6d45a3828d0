extension ResourceGraph {
    /// Every node that depends on `node`, directly or transitively: what a change to `node` can affect,
    /// and what a failure of `node` skips during provisioning.
    ///
    /// `node` itself is included only if it lies on a cycle. Empty for a node the graph does not contain.
    public func downstream(of node: String) -> Set<String> {
        guard let index = indexByID[node] else { return [] }
        return Set(reachable(from: [index], along: dependentIndices).map { nodes[$0] })
    }

    /// Every node `node` depends on, directly or transitively: what must exist before it.
    ///
    /// `node` itself is included only if it lies on a cycle. Empty for a node the graph does not contain.
    public func upstream(of node: String) -> Set<String> {
        guard let index = indexByID[node] else { return [] }
        return Set(reachable(from: [index], along: dependencyIndices).map { nodes[$0] })
    }

    /// The induced subgraph on `nodes`: those nodes (ids the graph lacks are ignored) and every edge between
    /// them. Used to plan or walk only part of an environment, e.g. the nodes a change touches.
    public func subgraph(_ nodes: Set<String>) -> ResourceGraph {
        let kept = nodes.compactMap { indexByID[$0] }.sorted()
        var newIndex = [Int?](repeating: nil, count: self.nodes.count)
        for (position, old) in kept.enumerated() { newIndex[old] = position }
        let keptNodes = kept.map { self.nodes[$0] }
        var keptIndexByID: [String: Int] = [:]
        keptIndexByID.reserveCapacity(kept.count)
        for (position, node) in keptNodes.enumerated() { keptIndexByID[node] = position }
        // Old indices ascend with new ones, so filtered adjacency lists stay sorted.
        let remap: ([Int]) -> [Int] = { list in list.compactMap { newIndex[$0] } }
        return ResourceGraph(
            nodes: keptNodes,
            indexByID: keptIndexByID,
            dependencyIndices: kept.map { remap(dependencyIndices[$0]) },
            dependentIndices: kept.map { remap(dependentIndices[$0]) }
        )
    }

    /// Indices reachable from `starts` by one or more steps along `adjacency` (iterative, so deep chains
    /// cannot overflow a task's small stack). A start is included only if some path leads back to it.
    func reachable(from starts: [Int], along adjacency: [[Int]]) -> [Int] {
        var seen = [Bool](repeating: false, count: adjacency.count)
        var stack: [Int] = []
        var found: [Int] = []
        for start in starts { stack.append(contentsOf: adjacency[start]) }
        while let index = stack.popLast() {
            guard !seen[index] else { continue }
            seen[index] = true
            found.append(index)
            stack.append(contentsOf: adjacency[index])
        }
        return found
    }
}
