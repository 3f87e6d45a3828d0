/// Runs work for every node of a graph, each as soon as its prerequisites succeeded, in parallel where
/// independent and never more than `maxConcurrency` at once.
///
/// Modelled on Terraform's `dag.Walker`: a failure does not stop the walk; it marks everything downstream
/// (in walk direction) as skipped with the root cause named, while independent branches carry on. The
/// scheduler is one loop over a task group driven by in-degree counters (`WalkScheduler`): no polling,
/// no sleeping, and it cannot deadlock at `maxConcurrency == 1` because a slot is only ever held by a
/// running body, never by a node waiting for its prerequisites.
public struct GraphWalker: Sendable {
    public let graph: ResourceGraph
    public let direction: WalkDirection
    /// At least 1; smaller values are treated as 1.
    public let maxConcurrency: Int
    /// Per node index: the heaviest chain from the node to the end of the walk, so that, when more nodes
    /// are ready than slots are free, the ones on the critical path start first (list scheduling).
    private let priority: [Double]
    /// The graph's cycles, found once here so `walk` can refuse before running anything.
    private let cycleError: GraphError?

    /// - Parameter estimatedDuration: optional relative cost of each node (e.g. by resource type). It only
    ///   orders ready nodes competing for slots; without it every node counts as 1, which favours the
    ///   longest chains by node count.
    public init(
        graph: ResourceGraph,
        direction: WalkDirection = .forward,
        maxConcurrency: Int,
        estimatedDuration: ((String) -> Double)? = nil
    ) {
        self.graph = graph
        self.direction = direction
        self.maxConcurrency = max(1, maxConcurrency)
        do {
            let order = try graph.orderedIndices(direction: direction)
            let successors = direction == .forward ? graph.dependentIndices : graph.dependencyIndices
            var priority = [Double](repeating: 0, count: graph.count)
            for index in order.reversed() {
                let tail = successors[index].map { priority[$0] }.max() ?? 0
                priority[index] = (estimatedDuration?(graph.nodes[index]) ?? 1) + tail
            }
            self.priority = priority
            cycleError = nil
        } catch {
            priority = []
            cycleError = error
        }
    }

    /// Runs `body` once for every node whose prerequisites (dependencies forward, dependents in reverse)
    /// all succeeded, and returns every node's outcome.
    ///
    /// - A body that throws fails its node; everything downstream of it is skipped, naming the root cause.
    /// - Cancelling the calling task stops new starts; running bodies see the cancellation and finish or
    ///   throw `CancellationError` (reported `.cancelled`, not `.failed`); nodes never started are `.cancelled`.
    /// - `onEvent` is called in causal order from the walk's own task; keep it quick (append, yield to a
    ///   stream), since the next node cannot start while it runs.
    /// - Throws: `GraphError.cycles` if the graph has a cycle, before running anything.
    public func walk(
        onEvent: @escaping @Sendable (WalkEvent) -> Void = { _ in },
        _ body: @escaping @Sendable (String) async throws -> Void
    ) async throws(GraphError) -> WalkResult {
        if let cycleError { throw cycleError }
        var scheduler = WalkScheduler(graph: graph, direction: direction, maxConcurrency: maxConcurrency, priority: priority)
        let nodes = graph.nodes
        let clock = ContinuousClock()
        await withTaskGroup(of: Completion.self) { group in
            while true {
                if Task.isCancelled { scheduler.stop() }
                while let index = scheduler.nextToStart() {
                    let node = nodes[index]
                    onEvent(.started(node: node, at: clock.now))
                    group.addTask { await Completion.run(index: index, node: node, clock: clock, body) }
                }
                guard let completion = await group.next() else { break }
                let node = nodes[completion.index]
                let outcome: NodeOutcome
                switch completion.result {
                case .success:
                    outcome = .succeeded
                    onEvent(.succeeded(node: node, duration: completion.duration))
                case .failure(let error):
                    outcome = .failed(error)
                    onEvent(.failed(node: node, error: error, duration: completion.duration))
                case nil:
                    outcome = .cancelled
                    onEvent(.cancelled(node: node))
                }
                for skipped in scheduler.finish(completion.index, outcome: outcome) {
                    if case .skipped(let blockedBy) = scheduler.outcomes[skipped] {
                        onEvent(.skipped(node: nodes[skipped], blockedBy: blockedBy))
                    }
                }
            }
        }
        for index in scheduler.cancelUnfinished() { onEvent(.cancelled(node: nodes[index])) }
        var outcomes: [String: NodeOutcome] = [:]
        outcomes.reserveCapacity(nodes.count)
        for (index, outcome) in scheduler.outcomes.enumerated() { outcomes[nodes[index]] = outcome ?? .cancelled }
        return WalkResult(outcomes: outcomes)
    }

    /// The same walk, with events yielded to `events`, which is finished when the walk ends (also when it
    /// throws). Lets a consumer iterate `for await event in stream` in its own task.
    public func walk(
        events: AsyncStream<WalkEvent>.Continuation,
        _ body: @escaping @Sendable (String) async throws -> Void
    ) async throws(GraphError) -> WalkResult {
        defer { events.finish() }
        return try await walk(onEvent: { event in _ = events.yield(event) }, body)
    }
}

/// What a child task reports back to the scheduler loop.
private struct Completion: Sendable {
    var index: Int
    /// nil: the body stopped because the walk was cancelled.
    var result: Result<Void, any Error>?
    var duration: Duration

    static func run(
        index: Int, node: String, clock: ContinuousClock, _ body: @Sendable (String) async throws -> Void
    ) async -> Completion {
        let start = clock.now
        do {
            try await body(node)
            return Completion(index: index, result: .success(()), duration: start.duration(to: clock.now))
        } catch is CancellationError where Task.isCancelled {
            return Completion(index: index, result: nil, duration: start.duration(to: clock.now))
        } catch {
            return Completion(index: index, result: .failure(error), duration: start.duration(to: clock.now))
        }
    }
}
