/// Tarjan's strongly connected components over a chosen subset of vertices, with scratch arrays reused
/// between calls (Johnson's cycle search asks again after removing each start vertex).
///
/// Iterative, with explicit frames, so a dependency chain of any length cannot overflow a task's stack.
struct StronglyConnected {
    private let adjacency: [[Int]]
    private var discovery: [Int]  // -1 = unvisited
    private var low: [Int]
    private var onStack: [Bool]
    private var member: [Bool]

    init(adjacency: [[Int]]) {
        self.adjacency = adjacency
        discovery = Array(repeating: -1, count: adjacency.count)
        low = Array(repeating: 0, count: adjacency.count)
        onStack = Array(repeating: false, count: adjacency.count)
        member = onStack
    }

    /// The components of the subgraph induced by `vertices` that contain a cycle (more than one vertex,
    /// or a self-loop), each sorted ascending, ordered by their smallest vertex.
    mutating func cyclicComponents(among vertices: [Int]) -> [[Int]] {
        for vertex in vertices { member[vertex] = true }
        defer {
            for vertex in vertices {
                member[vertex] = false
                discovery[vertex] = -1
            }
        }
        var stack: [Int] = []
        var components: [[Int]] = []
        var counter = 0
        for root in vertices where discovery[root] == -1 {
            var frames: [(vertex: Int, next: Int)] = [(root, 0)]
            visit(root, counter: &counter, stack: &stack)
            while let (vertex, next) = frames.last {
                let edges = adjacency[vertex]
                if next < edges.count {
                    frames[frames.count - 1].next += 1
                    let target = edges[next]
                    guard member[target] else { continue }
                    if discovery[target] == -1 {
                        visit(target, counter: &counter, stack: &stack)
                        frames.append((target, 0))
                    } else if onStack[target] {
                        low[vertex] = min(low[vertex], discovery[target])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last { low[parent.vertex] = min(low[parent.vertex], low[vertex]) }
                guard low[vertex] == discovery[vertex] else { continue }
                var component: [Int] = []
                while let popped = stack.popLast() {
                    onStack[popped] = false
                    component.append(popped)
                    if popped == vertex { break }
                }
                if component.count > 1 || edges.contains(vertex) { components.append(component.sorted()) }
            }
        }
        return components.sorted { $0[0] < $1[0] }
    }

    private mutating func visit(_ vertex: Int, counter: inout Int, stack: inout [Int]) {
        discovery[vertex] = counter
        low[vertex] = counter
        counter += 1
        stack.append(vertex)
        onStack[vertex] = true
    }
}
