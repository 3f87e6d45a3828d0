/// When and how long to wait before trying an AWS call again.
///
/// Exponential backoff with full jitter (the AWS SDKs' standard mode): throttling, 5xx and dropped
/// connections are retried; validation and permission errors never are, because repeating them only
/// delays the user's error message. `AWSClient` hands `decide` to HTTPTransport's `RetryLoop` (the loop
/// GitHub's client runs with its own policy), which also keeps cancellation from ever being retried.
public struct RetryPolicy: Sendable {
    /// Total attempts including the first; 1 disables retries.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(20)) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public static let `default` = RetryPolicy()
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Codes AWS uses for "slow down" across the three protocols.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Codes that mean "the service hiccuped", retried like 5xx.
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "ServiceUnavailable", "ServiceUnavailableException",
        AWSError.ClientCode.connectionFailed, AWSError.ClientCode.timedOut,
    ]

    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp
    }

    /// Whether AWS said "slow down": what adaptive pacing (`RateLimiter`) cuts the rate for.
    public static func isThrottling(_ error: AWSError) -> Bool {
        throttlingCodes.contains(error.code) || error.httpStatus == 429
    }

    /// Whether this error is worth another attempt at all.
    public func isRetryable(_ error: AWSError) -> Bool {
        if error.code == AWSError.ClientCode.cancelled { return false }
        if Self.throttlingCodes.contains(error.code) || Self.transientCodes.contains(error.code) { return true }
        if let status = error.httpStatus, status >= 500 || status == 429 { return true }
        return false
    }

    /// `attempt` counts from 1 (the attempt that just failed); `random` returns a value in [0, 1).
    public func decide(error: AWSError, attempt: Int, random: () -> Double) -> Decision {
        guard attempt < maxAttempts, isRetryable(error) else { return .giveUp }
        return .retry(after: delay(attempt: attempt, random: random))
    }

    /// Full jitter: uniform in [0, min(maxDelay, base · 2^(attempt-1))].
    public func delay(attempt: Int, random: () -> Double) -> Duration {
        let exponent = min(attempt - 1, 30)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        return ceiling * min(max(random(), 0), 1)
    }
}
