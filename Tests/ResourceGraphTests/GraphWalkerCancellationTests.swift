import ResourceGraph
import Testing

/// Cancellation is driven by the test: bodies suspend until the walk's task is cancelled, and the test
/// cancels only after the bodies it expects have reported in. No sleeps; the time limits are safety nets.
@Suite("GraphWalker cancellation", .timeLimit(.minutes(1)))
struct GraphWalkerCancellationTests {
    /// Starts a walk in its own task, waits until `expected` nodes have reported via `signal`, then cancels.
    private func walkThenCancel(
        _ walker: GraphWalker,
        after expected: Set<String>,
        _ body: @escaping @Sendable (String, AsyncStream<String>.Continuation) async throws -> Void
    ) async throws -> (WalkResult, WalkLog) {
        let (signals, signal) = AsyncStream.makeStream(of: String.self)
        let log = Locked(WalkLog())
        let walk = Task {
            try await walker.walk(onEvent: { event in
                log.withLock { $0.events.append(event) }
                if case .skipped(let node, _) = event { signal.yield("skipped \(node)") }
            }) { node in
                log.withLock { $0.bodyStarted(node) }
                defer { log.withLock { $0.bodyFinished(node) } }
                try await body(node, signal)
            }
        }
        var seen: Set<String> = []
        for await name in signals {
            seen.insert(name)
            if seen.isSuperset(of: expected) { break }
        }
        walk.cancel()
        return (try await walk.value, log.current)
    }

    @Test func cancellingStopsNewWorkAndCancelsTheRunningBody() async throws {
        // c → b → a and an independent x; one slot, so "a" (longest chain) runs alone.
        let g = try graph(["b": ["a"], "c": ["b"], "x": []])
        let (result, log) = try await walkThenCancel(GraphWalker(graph: g, maxConcurrency: 1), after: ["a"]) { node, signal in
            signal.yield(node)
            await waitForCancellation()
            try Task.checkCancellation()
        }
        #expect(!result.succeeded)
        #expect(result.cancelledNodes == ["a", "b", "c", "x"])
        #expect(result.failedNodes.isEmpty)
        #expect(log.runs == ["a": 1])
        #expect(log.eventSummary == ["started a", "cancelled a", "cancelled b", "cancelled c", "cancelled x"])
    }

    @Test func everyRunningBodySeesTheCancellation() async throws {
        let g = try ResourceGraph(dependencies: ["p": [], "q": [], "r": [], "s": ["p"]])
        let (result, log) = try await walkThenCancel(GraphWalker(graph: g, maxConcurrency: 4), after: ["p", "q", "r"]) { node, signal in
            signal.yield(node)
            await waitForCancellation()
            throw CancellationError()
        }
        #expect(result.cancelledNodes == ["p", "q", "r", "s"])
        #expect(Set(log.runs.keys) == ["p", "q", "r"])
    }

    @Test func bodyThatFinishesAnywaySucceedsButItsDependentsDoNotStart() async throws {
        // "a" ignores cancellation and completes; "slow" stops; "b" (after a) never starts.
        let g = try graph(["b": ["a"], "slow": []])
        let (result, log) = try await walkThenCancel(GraphWalker(graph: g, maxConcurrency: 2), after: ["a", "slow"]) { node, signal in
            signal.yield(node)
            await waitForCancellation()
            if node == "slow" { throw CancellationError() }
        }
        #expect(result.outcomes["a"]?.isSucceeded == true)
        #expect(result.cancelledNodes == ["b", "slow"])
        #expect(log.runs["b"] == nil)
        #expect(log.eventSummary.last == "cancelled b")
    }

    @Test func aRealErrorDuringCancellationIsStillAFailure() async throws {
        let g = try graph(["b": ["a"]])
        let (result, _) = try await walkThenCancel(GraphWalker(graph: g, maxConcurrency: 1), after: ["a"]) { node, signal in
            signal.yield(node)
            await waitForCancellation()
            throw InjectedFailure(node: node)
        }
        #expect(result.failedNodes == ["a"])
        #expect(result.skippedNodes == ["b"])
    }

    @Test func skipsDecidedBeforeCancellationStaySkips() async throws {
        let g = try graph(["dependent": ["bad"], "hang": []])
        let (result, _) = try await walkThenCancel(GraphWalker(graph: g, maxConcurrency: 2), after: ["hang", "skipped dependent"]) { node, signal in
            if node == "bad" { throw InjectedFailure(node: node) }
            signal.yield(node)
            await waitForCancellation()
            try Task.checkCancellation()
        }
        #expect(result.failedNodes == ["bad"])
        #expect(result.skippedNodes == ["dependent"])
        #expect(result.cancelledNodes == ["hang"])
    }

    @Test func walkInAnAlreadyCancelledTaskRunsNothing() async throws {
        let ran = Locked(0)
        let g = try referenceBlueprintGraph()
        let walk = Task {
            await waitForCancellation()
            return try await GraphWalker(graph: g, maxConcurrency: 4).walk { _ in ran.withLock { $0 += 1 } }
        }
        walk.cancel()
        let result = try await walk.value
        #expect(ran.current == 0)
        #expect(result.cancelledNodes == g.nodes)
    }
}
