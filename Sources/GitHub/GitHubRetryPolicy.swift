import HTTPTransport
import Foundation

/// When and how long to wait before repeating a GitHub request. GitHub asks clients to honour
/// `Retry-After` and `x-ratelimit-reset`; retrying sooner extends a secondary-limit ban.
/// Waits are bounded so a webhook-driven job never hangs for an hour on a primary limit.
public struct GitHubRetryPolicy: Sendable, Equatable {
    /// Total attempts including the first.
    public var maxAttempts: Int
    /// First 5xx backoff; doubled per attempt.
    public var baseDelay: Duration
    /// Cap for 5xx backoff.
    public var maxBackoff: Duration
    /// The longest rate-limit wait prenv accepts; beyond it the error is thrown at once.
    public var maxRateLimitWait: Duration
    /// Wait for a secondary limit that names no time (GitHub: "at least one minute").
    public var secondaryDefaultWait: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxBackoff: Duration = .seconds(16),
                maxRateLimitWait: Duration = .seconds(120), secondaryDefaultWait: Duration = .seconds(60)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.maxRateLimitWait = maxRateLimitWait
        self.secondaryDefaultWait = secondaryDefaultWait
    }

    /// Exponential backoff for attempt 1, 2, … (1 s, 2 s, 4 s … capped).
    public func backoff(attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(baseDelay * factor, maxBackoff)
    }

    /// The wait before retrying `response`, or nil when it must not be retried.
    public func delay(for response: HTTPResponse, error: GitHubError, attempt: Int, now: Date) -> Duration? {
        switch response.status {
        case 500, 502, 503, 504:
            return backoff(attempt: attempt)
        case 403, 429:
            guard let wait = rateLimitWait(response, error: error, now: now) else { return nil }
            return wait <= maxRateLimitWait ? wait : nil
        default:
            return nil
        }
    }

    /// nil when a 403/429 is not a rate limit (e.g. a missing permission or User-Agent).
    func rateLimitWait(_ response: HTTPResponse, error: GitHubError, now: Date) -> Duration? {
        let headers = response.headers
        if let retryAfter = headers["Retry-After"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), retryAfter >= 0 {
            return .seconds(retryAfter)
        }
        if headers["x-ratelimit-remaining"]?.trimmingCharacters(in: .whitespaces) == "0",
           let reset = headers["x-ratelimit-reset"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            let seconds = max(0, reset - now.timeIntervalSince1970)
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        if error.message.lowercased().contains("secondary rate limit") {
            return secondaryDefaultWait
        }
        if response.status == 429 { return backoff(attempt: 1) }
        return nil
    }
}
