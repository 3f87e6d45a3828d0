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

/// Johnson's algorithm ("Finding all the elementary circuits of a directed graph", 1975) inside one
/// strongly connected component.
///
/// Take the component's smallest vertex `s`, list every cycle through `s`, remove `s`, split what is
/// left into strongly connected components again, and repeat on each cyclic one. Every cycle is found
/// exactly once, starting at its smallest vertex. Every vertex of a cyclic component lies on a cycle, so
/// each round finds at least one: with the search stopping at `max` cycles, the total cost is
/// O(max · (V + E)) even for a ring of thousands of resources. The blocking sets are Johnson's; the search
/// is iterative (explicit frames) so no graph can overflow a task's stack.
struct CycleSearch {
    private let adjacency: [[Int]]
    private var components: StronglyConnected
    /// Vertices of the component being searched; reset for every round.
    private var active: [Bool]
    private var blocked: [Bool]
    private var blockers: [Set<Int>]

    /// One search per graph, reused for every component, so scratch arrays are allocated once.
    init(graph: ResourceGraph) {
        adjacency = graph.dependencyIndices
        components = StronglyConnected(adjacency: graph.dependencyIndices)
        active = Array(repeating: false, count: adjacency.count)
        blocked = active
        blockers = Array(repeating: [], count: adjacency.count)
    }

    /// Up to `max` elementary cycles of `component` (a cyclic strongly connected component, sorted) as
    /// vertex lists in edge order, each starting at its smallest vertex.
    mutating func elementaryCycles(in component: [Int], max: Int) -> [[Int]] {
        var cycles: [[Int]] = []
        var pending = [component]
        while cycles.count < max, let current = pending.popLast() {
            for vertex in current {
                active[vertex] = true
                blocked[vertex] = false
                blockers[vertex].removeAll()
            }
            circuits(from: current[0], max: max, into: &cycles)
            for vertex in current { active[vertex] = false }
            // Smallest-first: push the later components first so the earliest is popped next.
            pending += components.cyclicComponents(among: Array(current.dropFirst())).reversed()
        }
        return cycles
    }

    /// Johnson's CIRCUIT procedure from `start` with an explicit stack of (vertex, next edge, found) frames.
    private mutating func circuits(from start: Int, max: Int, into cycles: inout [[Int]]) {
        var path = [start]
        var frames: [(vertex: Int, next: Int, found: Bool)] = [(start, 0, false)]
        blocked[start] = true
        while let frame = frames.last {
            let edges = adjacency[frame.vertex]
            if frame.next < edges.count {
                frames[frames.count - 1].next += 1
                let target = edges[frame.next]
                guard active[target] else { continue }
                if target == start {
                    cycles.append(path)
                    frames[frames.count - 1].found = true
                    if cycles.count >= max { return }
                } else if !blocked[target] {
                    path.append(target)
                    blocked[target] = true
                    frames.append((target, 0, false))
                }
                continue
            }
            frames.removeLast()
            path.removeLast()
            if frame.found {
                unblock(frame.vertex)
                if !frames.isEmpty { frames[frames.count - 1].found = true }
            } else {
                for target in edges where active[target] { blockers[target].insert(frame.vertex) }
            }
        }
    }

    /// Unblocks `vertex` and, transitively, every vertex waiting on it (Johnson's UNBLOCK, iteratively).
    private mutating func unblock(_ vertex: Int) {
        blocked[vertex] = false
        var pending = [vertex]
        while let current = pending.popLast() {
            let waiting = blockers[current]
            blockers[current].removeAll()
            for other in waiting where blocked[other] {
                blocked[other] = false
                pending.append(other)
            }
        }
    }
}
