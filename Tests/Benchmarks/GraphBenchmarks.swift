import ResourceGraph
import SeededRandom

// ResourceGraph benchmarks: they print figures and assert nothing. Everything here is `private` except the
// two entry points, so nothing collides with the other benchmark files of this executable.

/// Scheduling cost of the walker itself: a seeded random 10,000-node DAG (~3 dependencies per node) walked
/// with a body that does nothing, so the time is all bookkeeping, task creation and events.
/// Best of 3 runs per concurrency, after one warm-up walk.
func benchmarkWalkerOverhead() async {
    var rng = SplitMix64(seed: 0x9A7E)
    let clock = ContinuousClock()
    let dependencies = benchRandomDAG(nodeCount: 10_000, averageDegree: 3, window: 500, using: &rng)
    var built: ResourceGraph?
    let buildTime = clock.measure { built = try? ResourceGraph(dependencies: dependencies) }
    guard let graph = built else { return print("walker: could not build the benchmark graph") }
    let orderTime = clock.measure { _ = try? graph.topologicalOrder() }
    print("graph: \(graph.count) nodes, \(graph.edgeCount) edges: build \(benchFormat(benchMilliseconds(buildTime), 1)) ms, "
        + "topological order \(benchFormat(benchMilliseconds(orderTime), 1)) ms")

    let events = BenchCounter()
    _ = try? await GraphWalker(graph: graph, maxConcurrency: 8).walk(onEvent: { _ in events.increment() }) { _ in }
    for concurrency in [1, 8, 64] {
        var best = Duration.seconds(3600)
        for _ in 0..<3 {
            let started = clock.now
            let walker = GraphWalker(graph: graph, maxConcurrency: concurrency)
            let result = try? await walker.walk(onEvent: { _ in events.increment() }) { _ in }
            let elapsed = started.duration(to: clock.now)
            guard result?.succeeded == true else { return print("walker: walk failed at concurrency \(concurrency)") }
            best = min(best, elapsed)
        }
        let total = benchMilliseconds(best)
        print("walker: \(graph.count) nodes, \(graph.edgeCount) edges, concurrency \(concurrency): "
            + "\(benchFormat(total, 1)) ms total, \(benchFormat(total * 1000 / Double(graph.count), 1)) µs/node")
    }
}

/// Wall-clock time of walks whose bodies sleep a seeded per-node latency (20–80 ms), against the critical
/// path lower bound (the heaviest chain of latencies). With enough slots the walk should come within ~10%
/// of the bound; with fewer slots than the graph is wide, total work / slots is the tighter bound, so it
/// is printed too when it exceeds the critical path.
func benchmarkMakespan() async {
    var rng = SplitMix64(seed: 0x3A4E)
    var shapes: [(name: String, dependencies: [String: Set<String>])] = []
    shapes.append(("chain-20", Dictionary(uniqueKeysWithValues: (0..<20).map { ("c\($0)", $0 == 0 ? [] : ["c\($0 - 1)"]) })))
    var fan: [String: Set<String>] = ["source": [], "sink": []]
    for index in 0..<50 {
        fan["w\(index)"] = ["source"]
        fan["sink", default: []].insert("w\(index)")
    }
    shapes.append(("fanout-1-50-1", fan))
    shapes.append(("random-100", benchRandomDAG(nodeCount: 100, averageDegree: 2, window: 20, using: &rng)))
    shapes.append(("prenv-reference", ["artifacts": [], "build": ["artifacts"], "pipeline": ["build"], "site": ["pipeline", "artifacts"]]))

    for (name, dependencies) in shapes {
        guard let graph = try? ResourceGraph(dependencies: dependencies) else { continue }
        var latency: [String: Int] = [:]
        for node in graph.nodes { latency[node] = Int.random(in: 20...80, using: &rng) }
        let bound = (try? graph.criticalPath { Double(latency[$0] ?? 0) }.length) ?? 0
        let work = Double(latency.values.reduce(0, +))
        for concurrency in [4, 16, 64] {
            let clock = ContinuousClock()
            let started = clock.now
            let result = try? await GraphWalker(graph: graph, maxConcurrency: concurrency).walk { [latency] node in
                try await Task.sleep(for: .milliseconds(latency[node] ?? 0))
            }
            let makespan = benchMilliseconds(started.duration(to: clock.now))
            guard result?.succeeded == true else { print("makespan: \(name) @\(concurrency): walk failed"); continue }
            let workBound = work / Double(concurrency)
            let note = workBound > bound ? "; work/slots bound \(benchFormat(workBound, 0)) ms" : ""
            print("makespan: \(name) @\(concurrency): \(benchFormat(makespan, 0)) ms vs bound \(benchFormat(bound, 0)) ms "
                + "(\(benchFormat(makespan / bound, 2))x\(note))")
        }
    }
}


/// A random DAG whose nodes depend on 0…2·`averageDegree` distinct earlier nodes from the previous
/// `window`, giving both depth and width (like real environments: mostly local dependencies).
private func benchRandomDAG(nodeCount: Int, averageDegree: Int, window: Int, using rng: inout SplitMix64) -> [String: Set<String>] {
    let names = (0..<nodeCount).map { "r\($0)" }
    var dependencies: [String: Set<String>] = [:]
    for (index, name) in names.enumerated() {
        var deps: Set<String> = []
        let wanted = min(index, Int.random(in: 0...(2 * averageDegree), using: &rng))
        while deps.count < wanted {
            deps.insert(names[Int.random(in: max(0, index - window)..<index, using: &rng)])
        }
        dependencies[name] = deps
    }
    return dependencies
}

/// Counts events so the benchmark pays for a real (if trivial) `onEvent` callback.
private final class BenchCounter: @unchecked Sendable {
    private var count = 0
    /// Only ever called from the walk's own loop, one event at a time.
    func increment() { count &+= 1 }
}

private func benchMilliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

/// Fixed-point formatting without Foundation (`String(format:)`), e.g. `benchFormat(4.06, 1)` == "4.1".
private func benchFormat(_ value: Double, _ decimals: Int) -> String {
    var scale = 1
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int(abs(value) * Double(scale) + 0.5)  // round half up; `.rounded()` would need libm linked
    let fraction = String(scaled % scale)
    let text = decimals == 0 ? "\(scaled)" : "\(scaled / scale).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    return value < 0 ? "-" + text : text
}
