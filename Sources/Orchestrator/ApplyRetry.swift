import Foundation

/// An error that knows whether the same call may succeed if tried again later: AWS throttling or a
/// 5xx that outlasted the client's own retries is transient, a refused permission or a bad property
/// is not. Declared here so the orchestrator can tell them apart without knowing any provider's errors.
public protocol TransientCapable: Error {
    var isTransient: Bool { get }
}

extension ExecutionResult {
    /// Failed only because a service was briefly unavailable: at least one node failed, and the root
    /// cause of every failed node is transient. Such an apply is retried on its own (`ApplyRetry`).
    public var failedTransiently: Bool {
        guard error == nil, !failedNodes.isEmpty, errors.count == failedNodes.count else { return false }
        return errors.allSatisfy { ($0.underlying as? any TransientCapable)?.isTransient == true }
    }
}

/// How an apply that failed transiently is tried again: by the first periodic check at least 10, 20,
/// 40, 80, 160 seconds after each failure in a row, then no more (the environment stays failed until a push, a
/// reopen or a label change, as any failed apply does).
///
/// Without it, throttling that outlasted the client's retries on one call — about one call in a
/// thousand at 20 % throttling and 5 % 5xx with five attempts — left the PR failed at a commit the
/// user never got a real answer for, until they pushed again (issue 16's crash test found it).
///
/// Part of `EnvironmentStateMachine`, so it is saved with the worker. The due time counts from when
/// the apply ended (`applyFinished`'s `at`); an event without that time leaves it to the first
/// periodic check that sees the failure, which brings the clock.
public struct ApplyRetry: Sendable, Hashable, Codable {
    /// Transient failures in a row of the apply of the same desired commit.
    public internal(set) var failures: Int
    /// When the next attempt is due; nil until the periodic check has seen the failure.
    public internal(set) var due: Date?

    public static let maximumFailures = 5

    public init(failures: Int, due: Date? = nil) {
        self.failures = failures
        self.due = due
    }

    /// 10 s doubling with each failure in a row.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        10 * pow(2, Double(min(max(failures - 1, 0), 10)))
    }
}
