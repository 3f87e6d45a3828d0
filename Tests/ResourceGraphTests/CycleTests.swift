import ResourceGraph
import Testing

@Suite("Cycle reporting")
struct CycleTests {
    @Test func acyclicGraphHasNoCycles() throws {
        let g = try referenceBlueprintGraph()
        #expect(g.cycles().isEmpty)
        #expect(g.cyclicComponents().isEmpty)
        #expect(!g.hasCycles)
    }

    /// `["a", "b", "c"]` reads "a depends on b, b on c, c on a", starting at the smallest name.
    @Test func cycleFollowsDependsOnOrder() throws {
        #expect(try graph(["a": ["b"], "b": ["c"], "c": ["a"]]).cycles() == [["a", "b", "c"]])
        #expect(try graph(["a": ["c"], "c": ["b"], "b": ["a"]]).cycles() == [["a", "c", "b"]])
        #expect(try graph(["x": ["y"], "y": ["b"], "b": ["x"]]).cycles() == [["b", "x", "y"]])
    }

    @Test func twoDisjointCyclesAreBothReported() throws {
        let g = try graph(["a": ["b"], "b": ["a"], "c": ["d"], "d": ["e"], "e": ["c"], "f": ["a", "c"]])
        #expect(g.cycles() == [["a", "b"], ["c", "d", "e"]])
        #expect(g.cyclicComponents() == [["a", "b"], ["c", "d", "e"]])
    }

    @Test func nestedCyclesAreEachReported() throws {
        // a ⇄ b, and the longer loop a → b → c → a through the same pair.
        let g = try graph(["a": ["b"], "b": ["a", "c"], "c": ["a"]])
        #expect(g.cycles() == [["a", "b"], ["a", "b", "c"]])
        #expect(g.cyclicComponents() == [["a", "b", "c"]])
    }

    @Test func figureEightSharesANode() throws {
        let g = try graph(["hub": ["x", "y"], "x": ["hub"], "y": ["hub"]])
        #expect(g.cycles() == [["hub", "x"], ["hub", "y"]])
    }

    @Test func selfLoopIsAOneNodeCycle() throws {
        let g = try graph(["a": ["a"], "b": ["a"]])
        #expect(g.cycles() == [["a"]])
        #expect(g.cyclicComponents() == [["a"]])
    }

    @Test func messageListsOneCyclePerLine() throws {
        let g = try graph(["a": ["b"], "b": ["c"], "c": ["a"], "self": ["self"], "web app": ["db"], "db": ["web app"]])
        do {
            _ = try g.topologicalOrder()
            Issue.record("expected a cycle error")
        } catch {
            #expect(error == .cycles([["a", "b", "c"], ["db", "web app"], ["self"]]))
            #expect(error.description == """
                dependency cycle: a → b → c → a
                dependency cycle: db → "web app" → db
                dependency cycle: self → self
                """)
        }
    }

    /// The complete digraph on 6 nodes has 409 elementary cycles; a separate self-loop must still be listed
    /// when the cap cuts the list short.
    @Test func manyCyclesAreCappedWithoutHidingAComponent() throws {
        let names = ["a", "b", "c", "d", "e", "f"]
        var map: [String: Set<String>] = [:]
        for name in names { map[name] = Set(names.filter { $0 != name }) }
        map["z"] = ["z"]
        let g = try ResourceGraph(dependencies: map)

        let capped = g.cycleReport()
        #expect(capped.isTruncated)
        #expect(capped.cycles.count == ResourceGraph.defaultCycleLimit)
        #expect(capped.cycles.contains(["z"]))
        #expect(g.cycles() == capped.cycles)

        let all = g.cycleReport(limit: 1000)
        #expect(!all.isTruncated)
        #expect(all.cycles.count == 409 + 1)
        #expect(Set(all.cycles).count == all.cycles.count)

        let tiny = g.cycleReport(limit: 1)
        #expect(tiny.isTruncated)
        #expect(tiny.cycles == [["a", "b"], ["z"]])  // one per component even below the cap
    }

    /// A long ring must not overflow the stack (the searches are iterative).
    @Test func longRingIsOneCycle() throws {
        let count = 20_000
        var map: [String: Set<String>] = [:]
        for index in 0..<count { map["n\(index)"] = ["n\((index + 1) % count)"] }
        let g = try ResourceGraph(dependencies: map)
        let cycles = g.cycles()
        #expect(cycles.count == 1)
        #expect(cycles.first?.count == count)
        #expect(cycles.first?.first == "n0")
        #expect(cycles.first?.dropFirst().first == "n1")
    }
}
