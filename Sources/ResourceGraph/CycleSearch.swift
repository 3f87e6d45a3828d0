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
