import SeededRandom
import ResourceGraph
import Testing

/// Seeded random graphs checked against naive reference implementations. Each argument is a seed;
/// a failing case names it, and rerunning that one argument reproduces it exactly.
@Suite("ResourceGraph properties (seeded random graphs)")
struct GraphPropertyTests {
    @Test(arguments: 0..<100) func topologicalOrdersAreValidAndLexicographicallyFirst(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0x70_0000 + seed)
        let map = randomDAG(nodeCount: Int.random(in: 1...120, using: &rng), averageDegree: Double.random(in: 0...4, using: &rng), using: &rng)
        let g = try ResourceGraph(dependencies: map)
        #expect(try g.topologicalOrder() == naiveSmallestFirstOrder(map, prerequisites: { map[$0] ?? [] }), "seed \(seed)")
        var dependents: [String: Set<String>] = [:]
        for (node, deps) in map { for dep in deps { dependents[dep, default: []].insert(node) } }
        #expect(try g.reverseTopologicalOrder() == naiveSmallestFirstOrder(map, prerequisites: { dependents[$0] ?? [] }), "seed \(seed)")
    }

    @Test(arguments: 0..<200) func cyclesMatchBruteForceEnumeration(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0xC0_0000 + seed)
        let count = Int.random(in: 1...7, using: &rng)
        let names = (0..<count).map { "v\($0)" }.shuffled(using: &rng)
        let density = Double.random(in: 0.05...0.6, using: &rng)
        var map: [String: Set<String>] = [:]
        for from in names {
            map[from] = Set(names.filter { to in Double.random(in: 0..<1, using: &rng) < (to == from ? density / 3 : density) })
        }
        let g = try ResourceGraph(dependencies: map)
        let report = g.cycleReport(limit: 100_000)
        #expect(!report.isTruncated)
        #expect(report.cycles == bruteForceCycles(map), "seed \(seed)")
        #expect(g.hasCycles == !report.cycles.isEmpty, "seed \(seed)")
        // Nodes on some cycle are exactly the nodes of cyclic components, and those reach themselves.
        let onCycles = Set(report.cycles.flatMap { $0 })
        #expect(Set(g.cyclicComponents().flatMap { $0 }) == onCycles, "seed \(seed)")
        #expect(Set(g.nodes.filter { g.upstream(of: $0).contains($0) }) == onCycles, "seed \(seed)")
    }

    @Test(arguments: 0..<60) func cappedCyclesAreRealElementaryAndCoverEveryComponent(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0xCA_0000 + seed)
        var map = randomDAG(nodeCount: Int.random(in: 5...80, using: &rng), averageDegree: Double.random(in: 1...4, using: &rng), using: &rng)
        let names = map.keys.sorted()
        for _ in 0..<Int.random(in: 1...12, using: &rng) {
            let from = names.randomElement(using: &rng) ?? "", to = names.randomElement(using: &rng) ?? ""
            map[from]?.insert(to)
        }
        let g = try ResourceGraph(dependencies: map)
        let report = g.cycleReport(limit: 20)
        #expect(Set(report.cycles).count == report.cycles.count, "seed \(seed): duplicates")
        #expect(report.cycles == report.cycles.sorted { $0.lexicographicallyPrecedes($1) }, "seed \(seed)")
        for cycle in report.cycles {
            #expect(Set(cycle).count == cycle.count, "seed \(seed): not elementary \(cycle)")
            #expect(cycle.first == cycle.min(), "seed \(seed): not rotated \(cycle)")
            for (position, node) in cycle.enumerated() {
                let next = cycle[(position + 1) % cycle.count]
                #expect(map[node]?.contains(next) == true, "seed \(seed): \(node) does not depend on \(next)")
            }
        }
        for component in g.cyclicComponents() {
            #expect(report.cycles.contains { Set($0).isSubset(of: Set(component)) }, "seed \(seed): \(component) unreported")
        }
        if g.hasCycles {
            #expect(throws: GraphError.cycles(g.cycles())) { try g.topologicalOrder() }
        }
    }

    @Test(arguments: 0..<60) func closuresSubgraphsAndCriticalPathsAgreeWithNaiveVersions(seed: UInt64) throws {
        var rng = SplitMix64(seed: 0xD0_0000 + seed)
        let map = randomDAG(nodeCount: Int.random(in: 1...60, using: &rng), averageDegree: Double.random(in: 0...3, using: &rng), using: &rng)
        let g = try ResourceGraph(dependencies: map)
        var weights: [String: Double] = [:]
        for node in g.nodes { weights[node] = Double(Int.random(in: 1...50, using: &rng)) }
        for node in g.nodes {
            let upstream = g.upstream(of: node)
            #expect(upstream == naiveReach(from: node) { map[$0] ?? [] }, "seed \(seed)")
            for other in upstream { #expect(g.downstream(of: other).contains(node), "seed \(seed)") }
        }
        let (length, path) = try g.criticalPath { weights[$0] ?? 0 }
        #expect(length == naiveLongestPath(map, weights), "seed \(seed)")
        #expect(path.reduce(0) { $0 + (weights[$1] ?? 0) } == length, "seed \(seed)")
        for (dependency, dependent) in zip(path, path.dropFirst()) {
            #expect(map[dependent]?.contains(dependency) == true, "seed \(seed)")
        }
        let kept = Set(g.nodes.filter { _ in Bool.random(using: &rng) })
        let sub = g.subgraph(kept)
        #expect(sub.nodes == kept.sorted())
        for node in sub.nodes { #expect(sub.dependencies(of: node) == g.dependencies(of: node).intersection(kept), "seed \(seed)") }
    }
}

/// Kahn's algorithm the slow, obvious way: repeatedly take the smallest node whose prerequisites are placed.
func naiveSmallestFirstOrder(_ map: [String: Set<String>], prerequisites: (String) -> Set<String>) -> [String] {
    var placed: Set<String> = []
    var order: [String] = []
    while let next = map.keys.filter({ !placed.contains($0) && prerequisites($0).isSubset(of: placed) }).min() {
        placed.insert(next)
        order.append(next)
    }
    return order
}

/// Every elementary cycle by plain DFS over simple paths from each start through larger names only.
func bruteForceCycles(_ map: [String: Set<String>]) -> [[String]] {
    var cycles: [[String]] = []
    func extend(_ path: [String], start: String) {
        guard let last = path.last else { return }
        for next in (map[last] ?? []).sorted() {
            if next == start { cycles.append(path) }
            else if next > start && !path.contains(next) { extend(path + [next], start: start) }
        }
    }
    for start in map.keys.sorted() { extend([start], start: start) }
    return cycles.sorted { $0.lexicographicallyPrecedes($1) }
}

/// Transitive closure as a fixpoint: keep adding neighbours of what is reached until nothing changes.
func naiveReach(from node: String, _ next: (String) -> Set<String>) -> Set<String> {
    var reach = next(node)
    while true {
        let expanded = reach.union(reach.flatMap(next))
        if expanded == reach { return reach }
        reach = expanded
    }
}

func naiveLongestPath(_ map: [String: Set<String>], _ weights: [String: Double]) -> Double {
    var memo: [String: Double] = [:]
    func longest(endingAt node: String) -> Double {
        if let known = memo[node] { return known }
        let value = (weights[node] ?? 0) + ((map[node] ?? []).map { longest(endingAt: $0) }.max() ?? 0)
        memo[node] = value
        return value
    }
    return map.keys.map { longest(endingAt: $0) }.max() ?? 0
}
