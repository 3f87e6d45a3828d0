import CoreMetrics

/// Every metric prenv records, named in one place so `/metrics` and the README's list agree.
/// Modules record through these helpers; `MetricsSystem.bootstrap` (the composition root) decides
/// where the numbers go. Without a bootstrap they go nowhere, which is what unit tests get.
///
/// Rules every name here follows: the `prenv_` prefix, snake_case, the unit in the name
/// (`_seconds`, `_total`), and label values from small sets fixed in code. Nothing a pull request's
/// author writes (branch names, titles, delivery ids) and no repository name ever becomes a label
/// value: each distinct value is a time series the scraper keeps, so an open set of values is a way
/// to exhaust its memory. Labels are always passed in the order written here, because the backend
/// keys series by the ordered list.
///
/// Every helper takes the factory to record into (default: `MetricsSystem.factory`, the bootstrapped
/// one or a task-local override), so tests record into a backend of their own without a bootstrap.
public enum Telemetry {
    /// The metric names, as `/metrics` shows them.
    public enum Name {
        /// Counter `{event, outcome}`: webhook deliveries by what prenv answered.
        public static let webhooks = "prenv_webhooks_received_total"
        /// Histogram: seconds from a delivery's arrival to its answer.
        public static let webhookIntakeDuration = "prenv_webhook_intake_duration_seconds"
        /// Gauge: inbox events recorded and not yet processed, sampled at each scrape.
        public static let inboxPending = "prenv_inbox_pending_events"
        /// Gauge `{state}`: environments per state, sampled at each scrape.
        public static let environments = "prenv_environments"
        /// Histogram `{resource_type, action, outcome}`: one resource's create, update, replace or delete.
        public static let operationDuration = "prenv_operation_duration_seconds"
        /// Counter `{service, operation, outcome}`: AWS requests, every attempt counted.
        public static let awsRequests = "prenv_aws_requests_total"
        /// Histogram `{service, operation}`: seconds per AWS attempt (rate-limit wait, signing and wire).
        public static let awsRequestDuration = "prenv_aws_request_duration_seconds"
        /// Counter `{service, operation}`: AWS attempts that were followed by another one.
        public static let awsRetries = "prenv_aws_retries_total"
        /// Counter `{kind, outcome}`: GitHub requests, every attempt counted.
        public static let githubRequests = "prenv_github_requests_total"
        /// Gauge: `X-RateLimit-Remaining` of the latest GitHub answer that carried it.
        public static let githubRateLimitRemaining = "prenv_github_rate_limit_remaining"
        /// Counter `{kind}`: GitHub attempts that were followed by another one.
        public static let githubRetries = "prenv_github_retries_total"
        /// Counter: reconciler passes.
        public static let reconcilerRuns = "prenv_reconciler_runs_total"
        /// Histogram: seconds per reconciler pass.
        public static let reconcilerDuration = "prenv_reconciler_run_duration_seconds"
        /// Counter: passes asking GitHub about open pull requests (listing and checks).
        public static let prCheckRuns = "prenv_pr_check_runs_total"
        /// Histogram: seconds per pull-request check pass.
        public static let prCheckDuration = "prenv_pr_check_run_duration_seconds"
        /// Gauge `{kind}`: bytes malloc hands out (`in_use`) and keeps free inside its heaps (`free`),
        /// sampled at each scrape; the two against the resident size tell held memory from fragmentation.
        public static let heap = "prenv_heap_bytes"
    }

    /// Histogram buckets per metric, for the composition root to hand the backend (which otherwise
    /// uses one set, 5 ms to 10 s, for every duration). An intake answers in milliseconds; one
    /// resource's operation (a CloudFormation stack) can take many minutes.
    public static let durationBuckets: [String: [Duration]] = [
        Name.webhookIntakeDuration: milliseconds([1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000]),
        Name.awsRequestDuration: milliseconds([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]),
        Name.operationDuration: seconds([0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800]),
        Name.reconcilerDuration: seconds([0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]),
        Name.prCheckDuration: seconds([0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300]),
    ]

    private static func milliseconds(_ values: [Double]) -> [Duration] { values.map { .microseconds(Int64($0 * 1000)) } }
    private static func seconds(_ values: [Double]) -> [Duration] { values.map { .milliseconds(Int64($0 * 1000)) } }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }

    static func count(_ name: String, _ dimensions: [(String, String)] = [], factory: any MetricsFactory) {
        Counter(label: name, dimensions: dimensions, factory: factory).increment()
    }

    static func time(_ name: String, _ duration: Duration, _ dimensions: [(String, String)] = [], factory: any MetricsFactory) {
        Timer(label: name, dimensions: dimensions, factory: factory).recordNanoseconds(nanoseconds(duration))
    }

    static func set(_ name: String, _ value: Double, _ dimensions: [(String, String)] = [], factory: any MetricsFactory) {
        Gauge(label: name, dimensions: dimensions, factory: factory).record(value)
    }
}
