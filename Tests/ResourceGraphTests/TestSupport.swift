import Foundation
import ResourceGraph
import SeededRandom

/// Builds a graph from `node: [dependencies]`, adding every mentioned dependency as a node, so tests can
/// describe a shape without listing leaves twice. (Unknown-reference tests use the real initializer.)
func graph(_ dependencies: [String: [String]]) throws -> ResourceGraph {
    var map: [String: Set<String>] = [:]
    for (node, deps) in dependencies {
        map[node, default: []].formUnion(deps)
        for dependency in deps where map[dependency] == nil { map[dependency] = [] }
    }
    return try ResourceGraph(dependencies: map)
}

/// The prenv reference blueprint: the build needs the artifacts bucket, the pipeline needs the build,
/// the site stack needs the pipeline and the bucket.
func referenceBlueprintGraph() throws -> ResourceGraph {
    try graph(["build": ["artifacts"], "pipeline": ["build"], "site": ["pipeline", "artifacts"]])
}


/// A random DAG: nodes get a random hidden rank (so names sort independently of depth) and each node
/// depends on a random number of lower-ranked nodes. `averageDegree` sets the density.
func randomDAG(nodeCount: Int, averageDegree: Double, using rng: inout SplitMix64) -> [String: Set<String>] {
    let names = (0..<nodeCount).map { "n\($0)" }.shuffled(using: &rng)
    var dependencies: [String: Set<String>] = [:]
    for (rank, name) in names.enumerated() {
        let wanted = Int.random(in: 0...Int((2 * averageDegree).rounded()), using: &rng)
        var deps: Set<String> = []
        if rank > 0 {
            for _ in 0..<min(wanted, rank) { deps.insert(names[Int.random(in: 0..<rank, using: &rng)]) }
        }
        dependencies[name] = deps
    }
    return dependencies
}

/// A lock-protected box for state shared between walk bodies, event callbacks and the test.
/// (NSLock rather than `Synchronization.Mutex`, which needs macOS 15 while the package allows macOS 14.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// What walk bodies and events did, with a global sequence number per step so "finished before started"
/// can be checked without clocks.
struct WalkLog {
    var sequence = 0
    var starts: [String: Int] = [:]
    var finishes: [String: Int] = [:]
    var runs: [String: Int] = [:]
    var inFlight = 0
    var maxInFlight = 0
    var events: [WalkEvent] = []

    mutating func bodyStarted(_ node: String) {
        sequence += 1
        starts[node] = sequence
        runs[node, default: 0] += 1
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
    }

    mutating func bodyFinished(_ node: String) {
        sequence += 1
        finishes[node] = sequence
        inFlight -= 1
    }

    /// Events reduced to comparable strings, e.g. `started a`, `skipped c [b]`.
    var eventSummary: [String] {
        events.map { event in
            switch event {
            case .started(let node, _): "started \(node)"
            case .succeeded(let node, _): "succeeded \(node)"
            case .failed(let node, _, _): "failed \(node)"
            case .skipped(let node, let blockedBy): "skipped \(node) \(blockedBy)"
            case .cancelled(let node): "cancelled \(node)"
            }
        }
    }
}

/// An error a test body throws on purpose.
struct InjectedFailure: Error, Equatable {
    var node: String
}

/// Suspends until the current task is cancelled: a body that "runs" until the test cancels the walk,
/// without sleeping.
func waitForCancellation() async {
    let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    await withTaskCancellationHandler {
        for await _ in stream {}
    } onCancel: {
        continuation.finish()
    }
}

/// Walks with a body that logs its start and finish (yielding in between so branches interleave) and
/// throws `InjectedFailure` for the nodes in `failing`. Returns the result and everything observed.
func loggedWalk(_ walker: GraphWalker, failing: Set<String> = [], yields: Int = 1) async throws -> (WalkResult, WalkLog) {
    let log = Locked(WalkLog())
    let result = try await walker.walk(onEvent: { event in log.withLock { $0.events.append(event) } }) { node in
        log.withLock { $0.bodyStarted(node) }
        for _ in 0..<yields { await Task.yield() }
        log.withLock { $0.bodyFinished(node) }
        if failing.contains(node) { throw InjectedFailure(node: node) }
    }
    return (result, log.current)
}
