import AWSCore
import Orchestrator

/// What the AWS client itself would retry (throttling, 5xx, a dropped connection) is what the
/// orchestrator may try again later once the client's attempts ran out (`ApplyRetry`). Except
/// `LimitExceededException`: the client retries it as botocore does, but from CloudFormation and
/// CodePipeline it also means an account quota is full (too many stacks or pipelines), which no
/// later attempt fixes.
extension AWSError: TransientCapable {
    public var isTransient: Bool { code != "LimitExceededException" && RetryPolicy.default.isRetryable(self) }
}
