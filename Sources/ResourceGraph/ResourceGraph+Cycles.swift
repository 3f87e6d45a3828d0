/// The cycles found in a graph, and whether the list was cut short.
public struct CycleReport: Sendable, Equatable {
    /// Elementary cycles in "depends on" order, each starting at its lexicographically smallest node,
    /// sorted lexicographically. A self-dependency appears as a one-element cycle.
    public var cycles: [[String]]
    /// True when more elementary cycles exist than were listed. Even then every cyclic strongly connected
    /// component is represented by at least one cycle, so no cycle a user must break goes unmentioned.
    public var isTruncated: Bool
}

extension ResourceGraph {
    /// How many cycles `cycles()` and `GraphError.cycles` list. A graph can have exponentially many
    /// elementary cycles; past a hundred, more names help nobody fix a blueprint.
    public static let defaultCycleLimit = 100

    /// Every elementary cycle (up to `defaultCycleLimit`, at least one per cyclic component); see `CycleReport`.
    public func cycles() -> [[String]] {
        cycleReport().cycles
    }

    /// Every elementary cycle, found with Johnson's algorithm run separately inside each strongly connected
    /// component, up to `limit` in total. Each cyclic component is guaranteed at least one slot, so one
    /// component with thousands of cycles cannot crowd out another.
    public func cycleReport(limit: Int = defaultCycleLimit) -> CycleReport {
        let components = cyclicComponentIndices()
        var found: [[Int]] = []
        var isTruncated = false
        var search = CycleSearch(graph: self)
        for (position, component) in components.enumerated() {
            let reservedForLater = components.count - position - 1
            let allowance = max(1, limit - found.count - reservedForLater)
            // Ask for one more than allowed: finding it is how we know the list was truncated.
            var cycles = search.elementaryCycles(in: component, max: allowance + 1)
            if cycles.count > allowance {
                cycles.removeLast(cycles.count - allowance)
                isTruncated = true
            }
            found += cycles
        }
        let named = found.map { cycle in cycle.map { nodes[$0] } }
        return CycleReport(cycles: named.sorted { $0.lexicographicallyPrecedes($1) }, isTruncated: isTruncated)
    }

    /// Strongly connected components that contain a cycle (more than one node, or a self-dependency),
    /// each sorted, ordered by their smallest node. Cheap (O(V + E)) where listing cycles may not be.
    public func cyclicComponents() -> [[String]] {
        cyclicComponentIndices().map { $0.map { nodes[$0] } }
    }

    /// Cyclic strongly connected components as sorted index lists, ordered by smallest index.
    func cyclicComponentIndices() -> [[Int]] {
        var finder = StronglyConnected(adjacency: dependencyIndices)
        return finder.cyclicComponents(among: Array(nodes.indices))
    }
}
