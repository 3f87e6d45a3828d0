import AWSCore
import Orchestrator

/// What the AWS client itself would retry (throttling, 5xx, a dropped connection) is what the
/// orchestrator may try again later once the client's attempts ran out (`ApplyRetry`).
extension AWSError: TransientCapable {
    public var isTransient: Bool { RetryPolicy.default.isRetryable(self) }
}
