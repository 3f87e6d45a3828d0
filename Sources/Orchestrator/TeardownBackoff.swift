import Foundation

/// How long a failing teardown waits before it is retried: 1, 2, 4 … minutes after the last
/// failure, at most an hour. Soon enough that a fixed permission ends the cost quickly, rarely
/// enough that GitHub's 1000 statuses per commit and context (each retry posts two) last for weeks.
///
/// Part of `EnvironmentStateMachine`, so it is saved with the worker: a restart neither forgets how
/// often a teardown failed nor retries at once, and activity on the PR (which saves the worker
/// again) does not postpone the retry, since it counts from the failure.
public struct TeardownBackoff: Sendable, Hashable, Codable {
    /// Failed destroys in a row.
    public private(set) var failures: Int
    /// When the last of them ended.
    public private(set) var lastFailure: Date

    /// The longest wait, reached after seven failures in a row.
    public static let maximumDelay: TimeInterval = 3600

    public init(failures: Int, lastFailure: Date) {
        self.failures = failures
        self.lastFailure = lastFailure
    }

    /// One more failure, at `date`.
    public func failedAgain(at date: Date) -> TeardownBackoff {
        TeardownBackoff(failures: failures + 1, lastFailure: date)
    }

    /// The wait after `failures` failures in a row: 60 s doubling each time, capped at an hour.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        min(maximumDelay, 60 * pow(2, Double(min(max(failures - 1, 0), 6))))
    }

    /// The earliest moment the next retry may start.
    public var retryAt: Date { lastFailure.addingTimeInterval(Self.delay(afterFailures: failures)) }
}
