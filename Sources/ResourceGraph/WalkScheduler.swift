/// The walker's bookkeeping as a pure state machine: no tasks, no clocks, no callbacks.
///
/// `GraphWalker` owns the concurrency; this type only answers "what may start now?" and "what does this
/// completion resolve?". Keeping them apart lets the scheduling rules be read (and tested) as plain code.
///
/// Rules (Terraform's walker semantics): a node becomes *ready* once every prerequisite has resolved and
/// all of them succeeded; it becomes *skipped* once every prerequisite has resolved and at least one failed
/// or was skipped. Waiting for all prerequisites before deciding a skip makes `blockedBy` the complete,
/// deterministic set of failed nodes upstream, whatever order branches finish in. Each completion costs
/// O(out-degree), each launch O(log V) for the priority heap.
struct WalkScheduler {
    private let names: [String]
    private let successors: [[Int]]
    private let maxConcurrency: Int
    /// Prerequisites not yet resolved, per node.
    private var unresolved: [Int]
    /// Failed nodes upstream of each node, collected as its prerequisites resolve.
    private var rootCauses: [Set<Int>]
    /// Set when a prerequisite ended `.cancelled`; such a node never runs.
    private var cancelledUpstream: [Bool]
    private var ready: IndexHeap
    private(set) var outcomes: [NodeOutcome?]
    private(set) var running = 0
    /// Once stopping (the walk was cancelled), nothing new starts; running nodes are still awaited.
    private(set) var isStopping = false

    /// - Parameter priority: per node index; higher starts first among ready nodes (ties: smaller index).
    init(graph: ResourceGraph, direction: WalkDirection, maxConcurrency: Int, priority: [Double]) {
        let prerequisites = direction == .forward ? graph.dependencyIndices : graph.dependentIndices
        names = graph.nodes
        successors = direction == .forward ? graph.dependentIndices : graph.dependencyIndices
        self.maxConcurrency = max(1, maxConcurrency)
        unresolved = prerequisites.map(\.count)
        rootCauses = Array(repeating: [], count: prerequisites.count)
        cancelledUpstream = Array(repeating: false, count: prerequisites.count)
        outcomes = Array(repeating: nil, count: prerequisites.count)
        ready = IndexHeap { lhs, rhs in
            priority[lhs] != priority[rhs] ? priority[lhs] > priority[rhs] : lhs < rhs
        }
        for index in prerequisites.indices where unresolved[index] == 0 { ready.insert(index) }
    }

    /// The next node to start, if there is capacity and a ready node; counts it as running.
    mutating func nextToStart() -> Int? {
        guard !isStopping, running < maxConcurrency, let index = ready.popFirst() else { return nil }
        running += 1
        return index
    }

    /// Records how a running node ended and resolves what that decides downstream.
    /// - Returns: nodes newly skipped as a consequence, in the order they were decided.
    mutating func finish(_ index: Int, outcome: NodeOutcome) -> [Int] {
        running -= 1
        outcomes[index] = outcome
        var skipped: [Int] = []
        var resolved = [index]
        while let current = resolved.popLast() {
            let causes: Set<Int>
            switch outcomes[current] {
            case .failed: causes = [current]
            case .skipped: causes = rootCauses[current]
            default: causes = []
            }
            let wasCancelled = outcomes[current]?.isCancelled ?? false
            for successor in successors[current] {
                unresolved[successor] -= 1
                rootCauses[successor].formUnion(causes)
                if wasCancelled { cancelledUpstream[successor] = true }
                guard unresolved[successor] == 0 else { continue }
                if !rootCauses[successor].isEmpty {
                    skipped.append(successor)
                    resolved.append(successor)
                    outcomes[successor] = .skipped(blockedBy: rootCauses[successor].sorted().map { names[$0] })
                } else if !cancelledUpstream[successor] {
                    ready.insert(successor)
                }
            }
            rootCauses[current] = []  // propagated, and named in the outcome: free the memory
        }
        return skipped
    }

    /// Stop starting nodes: the walk was cancelled.
    mutating func stop() { isStopping = true }

    /// Marks every node without an outcome as cancelled (only meaningful once nothing is running).
    /// - Returns: those nodes, ascending.
    mutating func cancelUnfinished() -> [Int] {
        var cancelled: [Int] = []
        for index in outcomes.indices where outcomes[index] == nil {
            outcomes[index] = .cancelled
            cancelled.append(index)
        }
        return cancelled
    }
}
