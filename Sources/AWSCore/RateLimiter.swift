/// A client-side token bucket per service whose rate follows AWS's answers (`AdaptivePacing`), so a
/// burst of pull requests neither trips AWS's own throttling for long nor leaves its quota unused.
///
/// One limiter per service is shared by every environment (`AWSClient` holds them), because AWS's
/// quota is per account and region, not per caller. Callers take a ticket and wait in ticket order;
/// a waiter re-checks when it wakes, so a cut in the rate also slows callers already waiting (their
/// waits were computed at the old rate). Waiting happens outside the actor's exclusive section, so
/// it never blocks other reservations.
public actor RateLimiter {
    /// The burst at the configured rate; it shrinks with the rate.
    public let burst: Double
    private var pacing: AdaptivePacing
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async throws -> Void
    /// Tickets handed out so far.
    private var issued = 0
    /// How many tickets the rate has let through by `updatedAt`; at most `issued + burst`, so idle time
    /// saves a burst and no more. Ticket `k` (counted from 0) may go once `released >= k + 1`.
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

    /// The configured (highest) rate.
    public var requestsPerSecond: Double { pacing.ceiling }
    /// The rate pacing allows now.
    public var currentRate: Double { pacing.rate }

    /// Waits until this caller may send one request. Throws `CancellationError` if cancelled while
    /// waiting (its ticket is then given back, so callers behind it do not wait for it).
    public func acquire() async throws {
        let ticket = take()
        var wait = self.wait(for: ticket)
        while wait > .zero {
            do {
                try await sleep(wait)
            } catch {
                forfeit()
                throw error
            }
            wait = self.wait(for: ticket)
        }
    }

    /// What AWS answered a request sent under this limiter: throttling cuts the rate (and any saved
    /// burst), success lets it recover.
    @discardableResult
    public func record(_ feedback: AdaptivePacing.Feedback) -> AdaptivePacing.Change {
        refill()
        let change = pacing.record(feedback, at: updatedAt)
        if case .cut = change {
            released = min(released, Double(issued))
        }
        return change
    }

    /// Takes a ticket and returns how long it must wait at the current rate (for tests and `acquire`).
    func reserve() -> Duration {
        wait(for: take())
    }

    private func take() -> Int {
        refill()
        defer { issued += 1 }
        return issued
    }

    private func wait(for ticket: Int) -> Duration {
        refill()
        let missing = Double(ticket + 1) - released
        if missing <= 0 { return .zero }
        return .nanoseconds(Int64((missing / pacing.rate * 1e9).rounded(.up)))
    }

    private func forfeit() {
        refill()
        released = min(released + 1, Double(issued) + currentBurst)
    }

    /// The burst scales with the rate: after a cut, saved-up time must not let a burst through at the old size.
    private var currentBurst: Double { max(1, (burst * pacing.rate / pacing.ceiling).rounded(.down)) }

    private func refill() {
        let current = now()
        let elapsed = AdaptivePacing.seconds(updatedAt.duration(to: current))
        updatedAt = current
        released = min(Double(issued) + currentBurst, released + elapsed * pacing.rate)
    }
}
