import SeededRandom
import ResourceGraph
import Testing

@Suite("Topological orders and the critical path")
struct OrderTests {
    @Test func independentNodesComeOutByName() throws {
        let g = try ResourceGraph(dependencies: ["c": [], "a": [], "b": []])
        #expect(try g.topologicalOrder() == ["a", "b", "c"])
        #expect(try g.reverseTopologicalOrder() == ["a", "b", "c"])
    }

    @Test func dependenciesBeatNames() throws {
        let g = try graph(["a": ["z"], "b": ["a"], "m": []])
        #expect(try g.topologicalOrder() == ["m", "z", "a", "b"])
        #expect(try g.reverseTopologicalOrder() == ["b", "a", "m", "z"])
    }

    @Test func diamondBothWays() throws {
        let g = try graph(["left": ["base"], "right": ["base"], "top": ["left", "right"]])
        #expect(try g.topologicalOrder() == ["base", "left", "right", "top"])
        #expect(try g.reverseTopologicalOrder() == ["top", "left", "right", "base"])
    }

    @Test func referenceBlueprintOrder() throws {
        let g = try referenceBlueprintGraph()
        #expect(try g.topologicalOrder() == ["artifacts", "build", "pipeline", "site"])
        #expect(try g.reverseTopologicalOrder() == ["site", "pipeline", "build", "artifacts"])
    }

    /// The same dependency map always gives the same order, however the dictionary happens to iterate.
    @Test func orderIsStableAcrossRebuilds() throws {
        var rng = SplitMix64(seed: 42)
        let map = randomDAG(nodeCount: 200, averageDegree: 2, using: &rng)
        let first = try ResourceGraph(dependencies: map).topologicalOrder()
        for _ in 0..<5 {
            let copy = Dictionary(uniqueKeysWithValues: map.shuffled(using: &rng).map { ($0.key, $0.value) })
            #expect(try ResourceGraph(dependencies: copy).topologicalOrder() == first)
        }
    }

    @Test func ordersThrowEveryCycle() throws {
        let g = try graph(["a": ["b"], "b": ["a"], "c": ["c"], "d": ["a"]])
        #expect(throws: GraphError.cycles([["a", "b"], ["c"]])) { try g.topologicalOrder() }
        #expect(throws: GraphError.cycles([["a", "b"], ["c"]])) { try g.reverseTopologicalOrder() }
        #expect(throws: GraphError.cycles([["a", "b"], ["c"]])) { try g.criticalPath { _ in 1 } }
    }

    @Test func criticalPathOfTheReferenceBlueprint() throws {
        let seconds = ["artifacts": 5.0, "build": 60, "pipeline": 30, "site": 90]
        let (length, path) = try referenceBlueprintGraph().criticalPath { seconds[$0] ?? 0 }
        #expect(length == 185)
        #expect(path == ["artifacts", "build", "pipeline", "site"])
    }

    @Test func criticalPathPicksTheHeavierBranch() throws {
        let g = try graph(["left": ["base"], "right": ["base"], "top": ["left", "right"], "side": []])
        let weights = ["base": 1.0, "left": 2, "right": 7, "top": 1, "side": 8.5]
        let result = try g.criticalPath { weights[$0] ?? 0 }
        #expect(result.length == 9)
        #expect(result.path == ["base", "right", "top"])
    }

    @Test func criticalPathTiesPickSmallestNames() throws {
        let g = try graph(["left": ["base"], "right": ["base"], "top": ["left", "right"], "solo": []])
        let result = try g.criticalPath { _ in 1 }
        #expect(result.length == 3)
        #expect(result.path == ["base", "left", "top"])
    }

    @Test func criticalPathOfTrivialGraphs() throws {
        #expect(try ResourceGraph.empty.criticalPath { _ in 1 }.path.isEmpty)
        #expect(try ResourceGraph.empty.criticalPath { _ in 1 }.length == 0)
        let single = try ResourceGraph(dependencies: ["only": []]).criticalPath { _ in 2.5 }
        #expect(single.length == 2.5)
        #expect(single.path == ["only"])
    }
}
