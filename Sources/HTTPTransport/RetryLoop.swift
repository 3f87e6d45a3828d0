/// The one retry loop behind prenv's HTTP clients (AWS and GitHub).
///
/// The clients differ only in what they retry and how long they wait (AWS: exponential backoff with
/// full jitter; GitHub: backoff, `Retry-After` and `x-ratelimit-reset`), so each passes that in as
/// `delay`. Counting attempts, sleeping and cancellation are the same for both and live here: a
/// `CancellationError`, from an attempt or from the sleep, passes through untouched, and once the task
/// is cancelled nothing is retried or slept for.
public struct RetryLoop: Sendable {
    /// Total attempts including the first; 1 (or less) disables retries.
    public var maxAttempts: Int
    /// Injected so tests can observe waits without taking them; throws `CancellationError` when cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void

    public init(maxAttempts: Int, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.maxAttempts = maxAttempts
        self.sleep = sleep
    }

    /// Runs `attempt` (numbered from 1) until it returns. An error it throws is retried after the wait
    /// `delay` gives for it (nil: not worth retrying) while attempts remain; otherwise it is rethrown as is.
    /// `onFailure` sees each such error with the wait before the next attempt, or nil when giving up (for logs).
    public func run<Success>(
        _ attempt: (_ number: Int) async throws -> Success,
        delay: (_ error: any Error, _ number: Int) -> Duration?,
        onFailure: (_ error: any Error, _ number: Int, _ retryIn: Duration?) -> Void = { _, _, _ in }
    ) async throws -> Success {
        var number = 1
        while true {
            do {
                return try await attempt(number)
            } catch let cancellation as CancellationError {
                throw cancellation
            } catch {
                let wait = number < maxAttempts ? delay(error, number) : nil
                if wait != nil { try Task.checkCancellation() }
                onFailure(error, number, wait)
                guard let wait else { throw error }
                try await sleep(wait)
                number += 1
            }
        }
    }
}
