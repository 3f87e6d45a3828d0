/// Polls until a condition holds, with capped exponential backoff; the sleep is injected so tests and
/// the local endpoint's fast timelines need no real waiting policy of their own.
public struct Waiter: Sendable {
    public var initialInterval: Duration
    public var maxInterval: Duration
    public var timeout: Duration
    let sleep: @Sendable (Duration) async throws -> Void

    public init(
        initialInterval: Duration = .seconds(2), maxInterval: Duration = .seconds(15), timeout: Duration = .seconds(3600),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.initialInterval = initialInterval
        self.maxInterval = maxInterval
        self.timeout = timeout
        self.sleep = sleep
    }

    /// Fast polling for tests against the local endpoint.
    public static let fast = Waiter(initialInterval: .milliseconds(50), maxInterval: .milliseconds(250), timeout: .seconds(120))

    /// Calls `check` until it returns a value; throws `ProviderError.timedOut` after `timeout`.
    public func wait<T: Sendable>(
        kind: String, name: String, for what: String, _ check: () async throws -> T?
    ) async throws -> T {
        var interval = initialInterval
        var waited = Duration.zero
        while true {
            if let value = try await check() { return value }
            guard waited < timeout else {
                throw ProviderError.timedOut(kind: kind, name: name, waitingFor: what, seconds: Int(waited.components.seconds))
            }
            try await sleep(interval)
            waited += interval
            interval = min(maxInterval, interval * 2)
        }
    }
}
