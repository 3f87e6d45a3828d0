import ResourceGraph
import Testing

@Suite("GraphWalker")
struct GraphWalkerTests {
    let diamond: ResourceGraph

    init() throws {
        diamond = try graph(["left": ["base"], "right": ["base"], "top": ["left", "right"]])
    }

    @Test func diamondAtConcurrencyOneIsFullyOrdered() async throws {
        let (result, log) = try await loggedWalk(GraphWalker(graph: diamond, maxConcurrency: 1))
        #expect(result.succeeded)
        #expect(result.failedNodes.isEmpty && result.skippedNodes.isEmpty && result.cancelledNodes.isEmpty)
        #expect(log.eventSummary == [
            "started base", "succeeded base", "started left", "succeeded left",
            "started right", "succeeded right", "started top", "succeeded top",
        ])
        #expect(log.maxInFlight == 1)
    }

    @Test func diamondInParallelKeepsCausalOrder() async throws {
        let (result, log) = try await loggedWalk(GraphWalker(graph: diamond, maxConcurrency: 8), yields: 5)
        #expect(result.succeeded)
        let events = log.eventSummary
        func position(_ event: String) -> Int { events.firstIndex(of: event) ?? -1 }
        #expect(events.count == 8)
        for node in diamond.nodes { #expect(position("started \(node)") < position("succeeded \(node)")) }
        #expect(position("succeeded base") < position("started left"))
        #expect(position("succeeded base") < position("started right"))
        #expect(position("succeeded left") < position("started top"))
        #expect(position("succeeded right") < position("started top"))
    }

    @Test func failureSkipsExactlyItsDownstreamAndNamesTheRootCause() async throws {
        // c → b → a, d → a; y → x is an independent branch. b fails.
        let g = try graph(["b": ["a"], "c": ["b"], "d": ["a"], "y": ["x"]])
        let (result, log) = try await loggedWalk(GraphWalker(graph: g, maxConcurrency: 4), failing: ["b"])
        #expect(!result.succeeded)
        #expect(result.failedNodes == ["b"])
        #expect(result.skippedNodes == ["c"])
        #expect(result.cancelledNodes.isEmpty)
        for node in ["a", "d", "x", "y"] { #expect(result.outcomes[node]?.isSucceeded == true, "\(node)") }
        guard case .skipped(let blockedBy)? = result.outcomes["c"] else { Issue.record("c not skipped"); return }
        #expect(blockedBy == ["b"])
        guard case .failed(let error)? = result.outcomes["b"] else { Issue.record("b not failed"); return }
        #expect(error as? InjectedFailure == InjectedFailure(node: "b"))
        #expect(log.runs["c"] == nil)
        let events = log.eventSummary
        #expect(events.contains("skipped c [\"b\"]"))
        #expect((events.firstIndex(of: "failed b") ?? .max) < (events.firstIndex(of: "skipped c [\"b\"]") ?? -1))
    }

    @Test func skipNamesEveryFailedRootCauseNotTheNearestSkip() async throws {
        let g = try graph(["c": ["a", "b", "ok"], "d": ["c"], "e": ["d", "ok"]])
        let (result, log) = try await loggedWalk(GraphWalker(graph: g, maxConcurrency: 3), failing: ["a", "b"])
        #expect(result.failedNodes == ["a", "b"])
        #expect(result.skippedNodes == ["c", "d", "e"])
        #expect(result.outcomes["ok"]?.isSucceeded == true)
        for node in ["c", "d", "e"] {
            guard case .skipped(let blockedBy)? = result.outcomes[node] else { Issue.record("\(node)"); continue }
            #expect(blockedBy == ["a", "b"], "\(node)")
        }
        #expect(log.events.count == 3 * 2 + 3)  // started+finished for a, b, ok; one skip each for c, d, e
    }

    @Test func reverseWalkRunsDependentsFirst() async throws {
        let walker = GraphWalker(graph: diamond, direction: .reverse, maxConcurrency: 1)
        let (result, log) = try await loggedWalk(walker)
        #expect(result.succeeded)
        #expect(log.eventSummary.filter { $0.hasPrefix("started") }
            == ["started top", "started left", "started right", "started base"])
    }

    @Test func reverseWalkFailureSkipsDependencies() async throws {
        let walker = GraphWalker(graph: try referenceBlueprintGraph(), direction: .reverse, maxConcurrency: 2)
        let (result, _) = try await loggedWalk(walker, failing: ["pipeline"])
        #expect(result.failedNodes == ["pipeline"])
        #expect(result.skippedNodes == ["artifacts", "build"])
        #expect(result.outcomes["site"]?.isSucceeded == true)
        guard case .skipped(let blockedBy)? = result.outcomes["artifacts"] else { Issue.record("artifacts"); return }
        #expect(blockedBy == ["pipeline"])
    }

    @Test(arguments: [0, 1]) func concurrencyOneRunsAWideGraphOneAtATime(maxConcurrency: Int) async throws {
        var map: [String: [String]] = ["sink": []]
        for index in 0..<30 { map["leaf\(index)"] = ["root"]; map["sink"]?.append("leaf\(index)") }
        let walker = GraphWalker(graph: try graph(map), maxConcurrency: maxConcurrency)
        #expect(walker.maxConcurrency == 1)
        let (result, log) = try await loggedWalk(walker, yields: 3)
        #expect(result.succeeded)
        #expect(log.maxInFlight == 1)
        #expect(log.runs.count == 32)
    }

    @Test func emptyGraphSucceedsWithoutRunningAnything() async throws {
        let (result, log) = try await loggedWalk(GraphWalker(graph: .empty, maxConcurrency: 4))
        #expect(result.succeeded)
        #expect(result.outcomes.isEmpty)
        #expect(log.events.isEmpty)
    }

    @Test(arguments: [WalkDirection.forward, .reverse]) func cyclesThrowBeforeAnythingRuns(direction: WalkDirection) async throws {
        let g = try graph(["a": ["b"], "b": ["a"], "free": [], "loop": ["loop"]])
        let ran = Locked(0)
        await #expect(throws: GraphError.cycles([["a", "b"], ["loop"]])) {
            try await GraphWalker(graph: g, direction: direction, maxConcurrency: 4).walk { _ in ran.withLock { $0 += 1 } }
        }
        #expect(ran.current == 0)
    }

    @Test func cancellationErrorWithoutCancellationIsAFailure() async throws {
        let g = try graph(["b": ["a"]])
        let result = try await GraphWalker(graph: g, maxConcurrency: 2).walk { node in
            if node == "a" { throw CancellationError() }
        }
        #expect(result.failedNodes == ["a"])
        #expect(result.skippedNodes == ["b"])
    }

    @Test func eventStreamVariantDeliversEveryEventAndFinishes() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: WalkEvent.self)
        let walker = GraphWalker(graph: try referenceBlueprintGraph(), maxConcurrency: 4)
        async let collected: [String] = stream.reduce(into: []) { $0.append("\($1.node)") }
        let result = try await walker.walk(events: continuation) { _ in }
        let nodes = await collected
        #expect(result.succeeded)
        #expect(nodes.count == 8)
        #expect(Set(nodes) == ["artifacts", "build", "pipeline", "site"])
    }

    /// Two independent nodes must run at the same time: each body waits until the other has started.
    /// (If the walker serialised them this would hang; the time limit is a safety net, not an assertion.)
    @Test(.timeLimit(.minutes(1))) func independentBranchesOverlap() async throws {
        let g = try graph(["left": [], "right": [], "top": ["left", "right"]])
        let (arrivals, arrived) = AsyncStream.makeStream(of: String.self)
        let gate = Locked<[String]>([])
        let (opened, open) = AsyncStream.makeStream(of: Void.self)
        let result = try await withThrowingTaskGroup(of: WalkResult?.self) { group in
            group.addTask {
                try await GraphWalker(graph: g, maxConcurrency: 2).walk { node in
                    guard node != "top" else { return }
                    arrived.yield(node)
                    for await _ in opened {}
                }
            }
            group.addTask {
                for await node in arrivals {
                    if gate.withLock({ $0.append(node); return $0.count }) == 2 { break }
                }
                open.finish()
                return nil
            }
            var walk: WalkResult?
            for try await value in group where value != nil { walk = value }
            return walk
        }
        #expect(result?.succeeded == true)
        #expect(Set(gate.current) == ["left", "right"])
    }

    @Test func readyNodesOnTheLongestChainStartFirst() async throws {
        // At one slot, the chain z1 ← z2 ← z3 starts before the lone "a" despite the names.
        let g = try graph(["z2": ["z1"], "z3": ["z2"], "a": []])
        let (_, log) = try await loggedWalk(GraphWalker(graph: g, maxConcurrency: 1))
        #expect(log.eventSummary.first == "started z1")
        // An estimate can say otherwise.
        let weighted = GraphWalker(graph: g, maxConcurrency: 1, estimatedDuration: { $0 == "a" ? 100 : 1 })
        let (_, weightedLog) = try await loggedWalk(weighted)
        #expect(weightedLog.eventSummary.first == "started a")
    }
}
