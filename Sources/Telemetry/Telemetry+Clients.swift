import CoreMetrics

extension Telemetry {
    /// The `outcome` label of one AWS attempt. Throttling is its own outcome: it says prenv (or
    /// something sharing its account) asks too fast, which no other error does.
    public enum AWSOutcome: String, Sendable, CaseIterable {
        case success
        /// A throttling code (`ThrottlingException`, `SlowDown`, …) or 429.
        case throttled
        /// Any other 4xx: validation, permission, not found.
        case clientError = "client_error"
        /// 5xx or a transient code.
        case serverError = "server_error"
        /// No answer: the connection failed or timed out, or credentials could not be had.
        case transportError = "transport_error"
        /// The task was cancelled (a newer commit or a close superseded the operation).
        case cancelled
    }

    /// One AWS attempt ended. `service` and `operation` are the client's own constants
    /// (`codebuild`, `CreateProject`); `retried` says another attempt follows.
    public static func awsAttempt(
        service: String, operation: String, outcome: AWSOutcome, duration: Duration, retried: Bool = false,
        factory: any MetricsFactory = MetricsSystem.factory
    ) {
        let dimensions = [("service", service), ("operation", operation)]
        count(Name.awsRequests, dimensions + [("outcome", outcome.rawValue)], factory: factory)
        time(Name.awsRequestDuration, duration, dimensions, factory: factory)
        if retried { count(Name.awsRetries, dimensions, factory: factory) }
    }

    /// The `kind` label of a GitHub request: writes by what they write, reads by what they read.
    public enum GitHubKind: String, Sendable, CaseIterable {
        case status
        case deployment
        case deploymentStatus = "deployment_status"
        case comment
        case reaction
        case pullRequest = "pull_request"
        case pullRequestList = "pull_request_list"
        case commentList = "comment_list"
        case permission
        /// `GET …/contents/{path}`: repository blueprints.
        case contents
        case appToken = "app_token"
        case app
        case other
    }

    /// The `outcome` label of one GitHub attempt.
    public enum GitHubOutcome: String, Sendable, CaseIterable {
        case success
        /// 304 to a conditional request: free of rate limit.
        case notModified = "not_modified"
        /// 403 or 429 that is a rate limit (primary or secondary).
        case rateLimited = "rate_limited"
        case clientError = "client_error"
        case serverError = "server_error"
        case transportError = "transport_error"
        case cancelled
    }

    /// One GitHub attempt ended; `retried` says another attempt follows.
    public static func githubAttempt(
        kind: GitHubKind, outcome: GitHubOutcome, retried: Bool = false, factory: any MetricsFactory = MetricsSystem.factory
    ) {
        count(Name.githubRequests, [("kind", kind.rawValue), ("outcome", outcome.rawValue)], factory: factory)
        if retried { count(Name.githubRetries, [("kind", kind.rawValue)], factory: factory) }
    }

    /// `X-RateLimit-Remaining` of an answer that carried it. One gauge for the process: with a
    /// GitHub App each installation has its own limit, and this is the latest one heard from.
    public static func githubRateLimitRemaining(_ remaining: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        set(Name.githubRateLimitRemaining, Double(remaining), factory: factory)
    }
}
