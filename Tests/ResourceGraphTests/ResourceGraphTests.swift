import ResourceGraph
import Testing

@Suite("ResourceGraph construction and queries")
struct ResourceGraphTests {
    @Test func nodesAreSortedAndEdgesQueryable() throws {
        let g = try referenceBlueprintGraph()
        #expect(g.nodes == ["artifacts", "build", "pipeline", "site"])
        #expect(g.count == 4)
        #expect(g.edgeCount == 4)
        #expect(g.dependencies(of: "site") == ["pipeline", "artifacts"])
        #expect(g.dependents(of: "artifacts") == ["build", "site"])
        #expect(g.dependencies(of: "artifacts").isEmpty)
        #expect(g.contains("build"))
        #expect(!g.contains("missing"))
        #expect(g.dependencies(of: "missing").isEmpty)
        #expect(g.dependents(of: "missing").isEmpty)
    }

    @Test func everyUnknownReferenceIsListedSorted() {
        let dependencies: [String: Set<String>] = ["b": ["x", "a"], "a": ["y"], "c": ["x"], "d": []]
        #expect(throws: GraphError.unknownNodes([
            UnknownNodeReference(node: "a", missing: "y"),
            UnknownNodeReference(node: "b", missing: "x"),
            UnknownNodeReference(node: "c", missing: "x"),
        ])) {
            try ResourceGraph(dependencies: dependencies)
        }
    }

    @Test func unknownReferenceMessageNamesEachOne() {
        do {
            _ = try ResourceGraph(dependencies: ["site": ["bucket", "pipline"], "bucket": [], "web app": ["db"]])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == """
                site depends on unknown node pipline
                "web app" depends on unknown node db
                """)
        }
    }

    @Test func cyclesAreNotAConstructionError() throws {
        let g = try ResourceGraph(dependencies: ["a": ["a"], "b": ["c"], "c": ["b"]])
        #expect(g.nodes == ["a", "b", "c"])
        #expect(g.dependencies(of: "a") == ["a"])
        #expect(g.hasCycles)
    }

    @Test func emptyGraph() throws {
        let g = try ResourceGraph(dependencies: [:])
        #expect(g == .empty)
        #expect(g.isEmpty)
        #expect(g.nodes.isEmpty)
        #expect(try g.topologicalOrder().isEmpty)
        #expect(try g.reverseTopologicalOrder().isEmpty)
        #expect(g.cycles().isEmpty)
        #expect(!g.hasCycles)
    }

    @Test func edgesAndDependencyMapRoundTrip() throws {
        let g = try referenceBlueprintGraph()
        #expect(g.edges.map { "\($0.dependency)->\($0.dependent)" }
            == ["artifacts->build", "artifacts->site", "build->pipeline", "pipeline->site"])
        #expect(try ResourceGraph(dependencies: g.dependencyMap) == g)
    }

    @Test func equalityComparesNodesAndEdges() throws {
        let a = try graph(["b": ["a"]])
        #expect(a == (try graph(["b": ["a"]])))
        #expect(a != (try graph(["a": ["b"]])))
        #expect(a != (try ResourceGraph(dependencies: ["a": [], "b": []])))
    }
}

@Suite("Reachability and subgraphs")
struct ReachabilityTests {
    /// base ← left, right ← top; other ← base; lone
    let g: ResourceGraph

    init() throws {
        g = try graph(["left": ["base"], "right": ["base"], "top": ["left", "right"], "other": ["base"], "lone": []])
    }

    @Test func downstreamIsTransitiveDependents() {
        #expect(g.downstream(of: "base") == ["left", "right", "top", "other"])
        #expect(g.downstream(of: "left") == ["top"])
        #expect(g.downstream(of: "top").isEmpty)
        #expect(g.downstream(of: "lone").isEmpty)
        #expect(g.downstream(of: "missing").isEmpty)
    }

    @Test func upstreamIsTransitiveDependencies() {
        #expect(g.upstream(of: "top") == ["left", "right", "base"])
        #expect(g.upstream(of: "other") == ["base"])
        #expect(g.upstream(of: "base").isEmpty)
        #expect(g.upstream(of: "missing").isEmpty)
    }

    @Test func nodeOnACycleReachesItself() throws {
        let cyclic = try graph(["a": ["b"], "b": ["a"], "c": ["a"]])
        #expect(cyclic.upstream(of: "a") == ["a", "b"])
        #expect(cyclic.downstream(of: "a") == ["a", "b", "c"])
        #expect(cyclic.downstream(of: "c").isEmpty)
    }

    @Test func subgraphIsInduced() throws {
        let sub = g.subgraph(["top", "left", "base", "not-a-node"])
        #expect(sub.nodes == ["base", "left", "top"])
        #expect(sub == (try graph(["left": ["base"], "top": ["left"]])))
        #expect(sub.dependents(of: "base") == ["left"])
        #expect(g.subgraph(Set(g.nodes)) == g)
        #expect(g.subgraph([]) == .empty)
    }
}
