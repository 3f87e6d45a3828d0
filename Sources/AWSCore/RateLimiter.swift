/// A client-side token bucket per service, so a burst of pull requests cannot trip AWS's own throttling.
///
/// Callers reserve a slot and sleep outside the actor, so waiting never blocks other reservations.
public actor RateLimiter {
    public let requestsPerSecond: Double
    public let burst: Double
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async throws -> Void
    private var tokens: Double
    private var updatedAt: ContinuousClock.Instant

    public init(
        requestsPerSecond: Double,
        burst: Int? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.requestsPerSecond = max(requestsPerSecond, 0.001)
        self.burst = Double(max(burst ?? Int(requestsPerSecond.rounded(.up)), 1))
        self.now = now
        self.sleep = sleep
        self.tokens = self.burst
        self.updatedAt = now()
    }

    /// Waits until this caller may send one request. Throws `CancellationError` if cancelled while waiting.
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await sleep(wait) }
    }

    /// Takes a token, going into debt if none is left; returns how long the caller must wait.
    func reserve() -> Duration {
        let current = now()
        let elapsed = updatedAt.duration(to: current)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * requestsPerSecond)
        updatedAt = current
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .nanoseconds(Int64((-tokens / requestsPerSecond) * 1e9))
    }
}
