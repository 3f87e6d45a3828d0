import SeededRandom
import ResourceGraph
import Testing

/// The walker's contract checked on 200 seeded random DAGs (1–300 nodes, varying density, 1–16 slots,
/// random failures), in both directions. Each argument is a seed; a failure names it.
@Suite("GraphWalker properties (seeded random DAGs)")
struct GraphWalkerPropertyTests {
    @Test(arguments: 0..<200) func walkHonoursOrderBoundsAndFailures(seed: UInt64) async throws {
        var rng = SplitMix64(seed: 0x3A1C_0000 + seed)
        let map = randomDAG(nodeCount: Int.random(in: 1...300, using: &rng), averageDegree: Double.random(in: 0...5, using: &rng), using: &rng)
        let g = try ResourceGraph(dependencies: map)
        let maxConcurrency = Int.random(in: 1...16, using: &rng)
        let failureRate: Double = [0.0, 0, 0.03, 0.15].randomElement(using: &rng) ?? 0
        let failing = Set(g.nodes.filter { _ in Double.random(in: 0..<1, using: &rng) < failureRate })
        var yields: [String: Int] = [:]
        for node in g.nodes { yields[node] = Int.random(in: 0...3, using: &rng) }
        let context = "seed \(seed): \(g.count) nodes, \(g.edgeCount) edges, concurrency \(maxConcurrency), failing \(failing.sorted())"

        for direction in [WalkDirection.forward, .reverse] {
            let log = Locked(WalkLog())
            let walker = GraphWalker(graph: g, direction: direction, maxConcurrency: maxConcurrency)
            let result = try await walker.walk(onEvent: { event in log.withLock { $0.events.append(event) } }) { [yields] node in
                log.withLock { $0.bodyStarted(node) }
                for _ in 0..<(yields[node] ?? 0) { await Task.yield() }
                log.withLock { $0.bodyFinished(node) }
                if failing.contains(node) { throw InjectedFailure(node: node) }
            }
            check(result, log.current, g, direction: direction, failing: failing, maxConcurrency: maxConcurrency, "\(context), \(direction)")
        }
    }

    private func check(
        _ result: WalkResult, _ log: WalkLog, _ g: ResourceGraph, direction: WalkDirection,
        failing: Set<String>, maxConcurrency: Int, _ context: String
    ) {
        let prerequisites = { (node: String) in direction == .forward ? g.dependencies(of: node) : g.dependents(of: node) }
        let after = { (node: String) in direction == .forward ? g.downstream(of: node) : g.upstream(of: node) }
        let before = { (node: String) in direction == .forward ? g.upstream(of: node) : g.downstream(of: node) }

        // Skips are exactly the union of the failing nodes' closures; failures are the rest of the failing set.
        let expectedSkipped = failing.reduce(into: Set<String>()) { $0.formUnion(after($1)) }
        let expectedFailed = failing.subtracting(expectedSkipped)
        #expect(Set(result.skippedNodes) == expectedSkipped, "\(context)")
        #expect(Set(result.failedNodes) == expectedFailed, "\(context)")
        #expect(result.cancelledNodes.isEmpty, "\(context)")
        #expect(result.outcomes.count == g.count, "\(context)")
        #expect(result.succeeded == expectedFailed.isEmpty, "\(context)")
        for node in g.nodes where !expectedSkipped.contains(node) && !expectedFailed.contains(node) {
            #expect(result.outcomes[node]?.isSucceeded == true, "\(context): \(node) should succeed")
        }
        for node in expectedSkipped {
            guard case .skipped(let blockedBy)? = result.outcomes[node] else { continue }
            #expect(blockedBy == before(node).intersection(expectedFailed).sorted(), "\(context): root causes of \(node)")
        }

        // Each node ran at most once, and exactly the succeeded and failed ones ran.
        #expect(log.runs.values.allSatisfy { $0 == 1 }, "\(context)")
        #expect(Set(log.runs.keys) == Set(g.nodes).subtracting(expectedSkipped), "\(context)")
        #expect(log.maxInFlight <= maxConcurrency, "\(context): \(log.maxInFlight) in flight")
        #expect(log.maxInFlight >= (g.isEmpty ? 0 : 1), "\(context)")

        // Every body started after all of its prerequisites' bodies finished.
        for (node, start) in log.starts {
            for prerequisite in prerequisites(node) {
                #expect((log.finishes[prerequisite] ?? .max) < start, "\(context): \(node) before \(prerequisite)")
            }
        }

        // Events: one terminal event per node, each after the events it depends on.
        var position: [String: Int] = [:]  // "started x", "done x"
        var terminal: [String: Int] = [:]
        for (index, event) in log.events.enumerated() {
            switch event {
            case .started(let node, _): position["started \(node)"] = index
            case .succeeded(let node, _), .failed(let node, _, _), .skipped(let node, _), .cancelled(let node):
                position["done \(node)"] = index
                terminal[node, default: 0] += 1
            }
            if case .skipped(let node, let blockedBy) = event {
                for cause in blockedBy { #expect((position["done \(cause)"] ?? .max) < index, "\(context): skip of \(node)") }
            }
        }
        #expect(terminal.count == g.count && terminal.values.allSatisfy { $0 == 1 }, "\(context)")
        for node in log.starts.keys {
            let started = position["started \(node)"] ?? .max
            #expect(started < (position["done \(node)"] ?? -1), "\(context): events of \(node)")
            for prerequisite in prerequisites(node) {
                #expect((position["done \(prerequisite)"] ?? .max) < started, "\(context): events \(prerequisite) → \(node)")
            }
        }
    }
}
