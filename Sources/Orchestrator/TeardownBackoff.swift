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
    /// When the first of them ended: how long the teardown has been stuck, which the supervisor
    /// reports prominently past `--teardown-alert-after` (a backoff alone would fail quietly for good).
    public private(set) var firstFailure: Date

    /// The longest wait, reached after seven failures in a row.
    public static let maximumDelay: TimeInterval = 3600

    /// - Parameter firstFailure: defaults to `lastFailure` (a first failure).
    public init(failures: Int, lastFailure: Date, firstFailure: Date? = nil) {
        self.failures = failures
        self.lastFailure = lastFailure
        self.firstFailure = firstFailure ?? lastFailure
    }

    /// One more failure, at `date`.
    public func failedAgain(at date: Date) -> TeardownBackoff {
        TeardownBackoff(failures: failures + 1, lastFailure: date, firstFailure: firstFailure)
    }

    /// How long the teardown has been failing at `now`.
    public func failingFor(at now: Date) -> TimeInterval { now.timeIntervalSince(firstFailure) }

    enum CodingKeys: String, CodingKey { case failures, lastFailure, firstFailure }

    /// A record saved before `firstFailure` existed reads it as `lastFailure`: the earliest failure
    /// known for sure, so an old stuck teardown is alerted late rather than never.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        failures = try container.decode(Int.self, forKey: .failures)
        lastFailure = try container.decode(Date.self, forKey: .lastFailure)
        firstFailure = try container.decodeIfPresent(Date.self, forKey: .firstFailure) ?? lastFailure
    }

    /// The wait after `failures` failures in a row: 60 s doubling each time, capped at an hour.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        min(maximumDelay, 60 * pow(2, Double(min(max(failures - 1, 0), 6))))
    }

    /// The earliest moment the next retry may start.
    public var retryAt: Date { lastFailure.addingTimeInterval(Self.delay(afterFailures: failures)) }
}
