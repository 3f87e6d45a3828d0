/// Every elementary cycle of a small directed graph, for error messages that name them all.
///
/// Nodes are `0..<n` (file order). Tarjan's algorithm finds the strongly connected components;
/// then, as in Johnson's algorithm, each cycle is enumerated once, from its smallest node, by a
/// depth-first search restricted to larger nodes of the same component. Blueprints have tens of
/// nodes, so Johnson's blocking sets are replaced by a cap on cycles and search steps.
enum CycleFinder {
    struct Result: Equatable {
        var cycles: [[Int]]
        /// Whether the caps cut the enumeration short.
        var truncated: Bool
    }

    static func cycles(successors: [[Int]], limit: Int = 20, stepBudget: Int = 100_000) -> Result {
        let component = stronglyConnectedComponents(successors)
        var result = Result(cycles: [], truncated: false)
        var steps = 0
        for start in successors.indices {
            var path = [start]
            var onPath = Set([start])
            func search(_ node: Int) {
                for next in successors[node] where component[next] == component[start] {
                    steps += 1
                    if result.cycles.count >= limit || steps > stepBudget { result.truncated = true; return }
                    if next == start {
                        if path.count > 1 { result.cycles.append(path) }
                    } else if next > start, !onPath.contains(next) {
                        path.append(next)
                        onPath.insert(next)
                        search(next)
                        onPath.remove(next)
                        path.removeLast()
                    }
                }
            }
            search(start)
            if result.truncated { break }
        }
        return result
    }

    /// Tarjan's algorithm: the component number of each node.
    static func stronglyConnectedComponents(_ successors: [[Int]]) -> [Int] {
        let count = successors.count
        var index = [Int?](repeating: nil, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var component = [Int](repeating: -1, count: count)
        var nextIndex = 0, nextComponent = 0

        func connect(_ node: Int) {
            index[node] = nextIndex
            lowLink[node] = nextIndex
            nextIndex += 1
            stack.append(node)
            onStack[node] = true
            for next in successors[node] {
                if index[next] == nil {
                    connect(next)
                    lowLink[node] = min(lowLink[node], lowLink[next])
                } else if onStack[next], let nextIndex = index[next] {
                    lowLink[node] = min(lowLink[node], nextIndex)
                }
            }
            if lowLink[node] == index[node] {
                while let member = stack.popLast() {
                    onStack[member] = false
                    component[member] = nextComponent
                    if member == node { break }
                }
                nextComponent += 1
            }
        }
        for node in 0..<count where index[node] == nil { connect(node) }
        return component
    }
}
