import Foundation

/// What the write scheduler did, for operators and the simulation benchmark: how much it sent,
/// how much it shed and why, how often GitHub made it pause, and how long writes waited.
public struct WriteStatistics: Sendable, Equatable {
    /// Writes sent (their `perform` returned), by kind.
    public var sent: [GitHubWrite.Kind: Int] = [:]
    /// Write requests made (a deployment with its first status is 2), refused ones included.
    public var requests = 0
    /// Writes not sent, by reason.
    public var dropped: [WriteQueue.DropReason: Int] = [:]
    /// Times GitHub answered a rate limit (403/429) and a token's sender paused for it.
    public var rateLimitPauses = 0
    /// Seconds from each sent write's `createdAt` to its answer, at the 50th and 99th percentile
    /// (over the most recent `WaitSamples.capacity` writes).
    public var waitP50: Double = 0
    public var waitP99: Double = 0
    /// Writes still queued, over every token.
    public var queued = 0
    /// Writes being sent now, or queued and due (no `notBefore` ahead): zero when the reporter has
    /// caught up with everything it may send.
    public var due = 0

    public init() {}

    public var totalSent: Int { sent.values.reduce(0, +) }
    public var totalDropped: Int { dropped.values.reduce(0, +) }
}

/// The most recent waits, bounded, for the percentiles.
struct WaitSamples: Sendable {
    static let capacity = 10_000
    private var samples: [Double] = []
    private var next = 0

    mutating func add(_ seconds: Double) {
        if samples.count < Self.capacity {
            samples.append(seconds)
        } else {
            samples[next] = seconds
            next = (next + 1) % Self.capacity
        }
    }

    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
}
