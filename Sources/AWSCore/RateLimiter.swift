/// Which AWS calls go first when a service's rate is spent: the calls of the operation that started
/// earliest. `prenv serve` sets it around each environment's apply and destroy; calls outside any
/// operation rank by the moment they ask.
///
/// Served in arrival order, 200 environments opened at once advance in lockstep: every one finishes
/// its pipeline near the end of the CodePipeline work, and only then do their stacks start, so the
/// services are spent one after the other. Oldest first, the first environments reach CloudFormation
/// while later ones still create pipelines, and the services are spent side by side.
public enum PacingPriority {
    @TaskLocal public static var startedAt: ContinuousClock.Instant?
}

/// A client-side token bucket per service whose rate follows AWS's answers (`AdaptivePacing`), so a
/// burst of pull requests neither trips AWS's own throttling for long nor leaves its quota unused.
///
/// One limiter per service is shared by every environment (`AWSClient` holds them), because AWS's
/// quota is per account and region, not per caller. Callers wait in line, ordered by `PacingPriority`
/// (then by arrival); a waiter re-checks its place when it wakes, so a cut in the rate also slows
/// callers already waiting (their waits were computed at the old rate), and an older operation's call
/// arriving later moves ahead. Waiting happens outside the actor's exclusive section, so it never
/// blocks other reservations.
public actor RateLimiter {
    /// The burst at the configured rate; it shrinks with the rate.
    public let burst: Double
    private var pacing: AdaptivePacing
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async throws -> Void
    /// Callers let through so far.
    private var granted = 0
    /// Callers waiting, in the order they will go.
    private var waiting: [Place] = []
    private var arrivals = 0
    /// How many callers the rate has let through by `updatedAt`; at most `granted + waiting + burst`,
    /// so idle time saves a burst and no more. The caller at position `p` in `waiting` may go once
    /// `released >= granted + p + 1`.
    private var released: Double
    private var updatedAt: ContinuousClock.Instant

    public init(
        requestsPerSecond: Double,
        burst: Int? = nil,
        pacing: AdaptivePacing? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        let ceiling = max(requestsPerSecond, 0.001)
        self.pacing = pacing ?? AdaptivePacing(ceiling: ceiling)
        self.burst = Double(max(burst ?? Int(ceiling.rounded(.up)), 1))
        self.now = now
        self.sleep = sleep
        self.released = self.burst
        self.updatedAt = now()
    }

    /// The longest a waiter sleeps before it looks at the rate again.
    static let longestSleep: Duration = .seconds(1)

    /// The configured (highest) rate.
    public var requestsPerSecond: Double { pacing.ceiling }
    /// The rate pacing allows now.
    public var currentRate: Double { pacing.rate }

    /// Waits until this caller may send one request. Throws `CancellationError` if cancelled while
    /// waiting (its place is then given up, so callers behind it do not wait for it).
    public func acquire() async throws {
        let place = enter(priority: PacingPriority.startedAt ?? now())
        var wait = self.wait(for: place)
        while wait > .zero {
            do {
                // At most a second at a time: a wait worked out at a cut rate must not outlast the
                // rate's recovery (nor let newer, higher-priority callers pass an oversleeping one).
                try await sleep(min(wait, Self.longestSleep))
            } catch {
                waiting.removeAll { $0 == place }
                throw error
            }
            wait = self.wait(for: place)
        }
    }

    /// What AWS answered a request sent under this limiter: throttling cuts the rate (and any saved
    /// burst), success lets it recover.
    @discardableResult
    public func record(_ feedback: AdaptivePacing.Feedback) -> AdaptivePacing.Change {
        refill()
        let change = pacing.record(feedback, at: updatedAt)
        if case .cut = change {
            released = min(released, Double(granted + waiting.count))
        }
        return change
    }

    /// Joins the line and returns how long this caller must wait at the current rate (for tests; a
    /// caller that need not wait has gone).
    func reserve() -> Duration {
        wait(for: enter(priority: PacingPriority.startedAt ?? now()))
    }

    private struct Place: Equatable {
        let priority: ContinuousClock.Instant
        let arrival: Int

        func goesBefore(_ other: Place) -> Bool {
            priority < other.priority || (priority == other.priority && arrival < other.arrival)
        }
    }

    private func enter(priority: ContinuousClock.Instant) -> Place {
        refill()
        arrivals += 1
        let place = Place(priority: priority, arrival: arrivals)
        let index = waiting.lastIndex { $0.goesBefore(place) }.map { $0 + 1 } ?? 0
        waiting.insert(place, at: index)
        return place
    }

    /// Zero (and the caller has gone) once the rate covers its position; else how long until it does.
    private func wait(for place: Place) -> Duration {
        refill()
        guard let position = waiting.firstIndex(of: place) else { return .zero }
        let missing = Double(granted + position + 1) - released
        if missing <= 0 {
            waiting.remove(at: position)
            granted += 1
            return .zero
        }
        return .nanoseconds(Int64((missing / pacing.rate * 1e9).rounded(.up)))
    }

    /// The burst scales with the rate: after a cut, saved-up time must not let a burst through at the old size.
    private var currentBurst: Double { max(1, (burst * pacing.rate / pacing.ceiling).rounded(.down)) }

    private func refill() {
        let current = now()
        let elapsed = AdaptivePacing.seconds(updatedAt.duration(to: current))
        updatedAt = current
        released = min(Double(granted + waiting.count) + currentBurst, released + elapsed * pacing.rate)
    }
}
