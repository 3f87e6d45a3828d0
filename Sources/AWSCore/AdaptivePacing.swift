/// How fast prenv lets itself call one AWS service, learned from AWS's answers: the rules alone, as
/// data, so they are table-tested apart from the limiter that waits on them (`RateLimiter`).
///
/// AWS publishes no request rate for most control-plane APIs (CodePipeline, CodeBuild, CloudFormation)
/// and shares one per account and region among every client, so a fixed client-side rate is either
/// too slow or trips throttling. The rules are AIMD, as TCP and the SDKs' adaptive retry mode do:
/// - a throttling answer halves the rate (`decrease`), at most once per `cooldown`, because the
///   requests already in flight when AWS said "slow down" answer for the same overload;
/// - every second that ends in a success without throttling adds to the rate again, quickly up to
///   just under the rate that was last throttled (`knee`: AWS's cap is probably there, so time spent
///   far below it is throughput lost), slowly above it (probing whether the cap rose or other clients
///   went away), never past the configured `ceiling`.
public struct AdaptivePacing: Sendable, Equatable {
    /// The configured rate: never exceeded, and where pacing starts.
    public let ceiling: Double
    /// The lowest the rate is cut to, so a long throttling storm cannot stall the service entirely.
    public let floor: Double
    /// The factor a throttling answer multiplies the rate by.
    public let decrease: Double
    /// Requests per second added per second while recovering below `recoveryTarget · knee`.
    public let fastIncrease: Double
    /// Requests per second added per second above it.
    public let slowIncrease: Double
    /// The fraction of the last throttled rate that recovery returns to quickly.
    public let recoveryTarget: Double
    /// Throttles within this long after a cut do not cut again.
    public let cooldown: Duration

    /// The rate now (requests per second).
    public private(set) var rate: Double
    /// The rate at which AWS last throttled; nil before any throttling.
    public private(set) var knee: Double?
    private var lastCut: ContinuousClock.Instant?
    private var lastFeedback: ContinuousClock.Instant?

    public init(
        ceiling: Double, floor: Double? = nil, decrease: Double = 0.5, fastIncrease: Double? = nil, slowIncrease: Double? = nil,
        recoveryTarget: Double = 0.9, cooldown: Duration = .seconds(1)
    ) {
        let ceiling = max(ceiling, 0.001)
        self.ceiling = ceiling
        self.floor = min(ceiling, max(floor ?? ceiling * 0.05, 0.001))
        self.decrease = min(max(decrease, 0.05), 1)
        self.fastIncrease = max(fastIncrease ?? ceiling * 0.25, 0)
        self.slowIncrease = max(slowIncrease ?? ceiling * 0.02, 0)
        self.recoveryTarget = min(max(recoveryTarget, 0), 1)
        self.cooldown = cooldown
        self.rate = ceiling
    }

    /// What AWS answered, as the rules see it.
    public enum Feedback: Sendable, Equatable {
        case succeeded
        case throttled
    }

    /// What one piece of feedback did to the rate.
    public enum Change: Sendable, Equatable {
        case unchanged
        case cut(from: Double, to: Double)
        case raised(to: Double)
    }

    /// Applies one answer received at `now`; the limiter drops any saved burst on a cut.
    @discardableResult
    public mutating func record(_ feedback: Feedback, at now: ContinuousClock.Instant) -> Change {
        let elapsed = lastFeedback.map { Self.seconds($0.duration(to: now)) } ?? 0
        lastFeedback = now
        switch feedback {
        case .throttled:
            if let lastCut, lastCut.duration(to: now) < cooldown { return .unchanged }
            let before = rate
            knee = before
            rate = max(floor, before * decrease)
            lastCut = now
            return rate < before ? .cut(from: before, to: rate) : .unchanged
        case .succeeded:
            guard elapsed > 0, rate < ceiling else { return .unchanged }
            rate = min(ceiling, raised(rate, over: elapsed))
            return .raised(to: rate)
        }
    }

    /// Fast up to the recovery target under the knee, slow from there (the time split between both).
    private func raised(_ rate: Double, over seconds: Double) -> Double {
        var rate = rate
        var left = seconds
        if let knee, fastIncrease > 0 {
            let target = min(ceiling, knee * recoveryTarget)
            if rate < target {
                let needed = (target - rate) / fastIncrease
                if needed >= left { return rate + left * fastIncrease }
                rate = target
                left -= needed
            }
        }
        return rate + left * slowIncrease
    }

    static func seconds(_ duration: Duration) -> Double {
        max(0, Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
