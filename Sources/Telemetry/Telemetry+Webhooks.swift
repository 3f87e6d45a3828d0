import CoreMetrics

extension Telemetry {
    /// The `event` label: the events prenv knows, everything else `other`. `X-GitHub-Event` is read
    /// before the signature is checked, so it is whatever the sender wrote and must not become a
    /// label value as is.
    public enum WebhookEvent: String, Sendable, CaseIterable {
        case pullRequest = "pull_request"
        case issueComment = "issue_comment"
        case ping
        case other

        public init(header: String?) {
            self = header.flatMap { Self(rawValue: $0) } ?? .other
        }
    }

    /// The `outcome` label: what the delivery was answered.
    public enum WebhookOutcome: String, Sendable, CaseIterable {
        /// 202, recorded in the inbox.
        case accepted
        /// 202, its delivery id or content was recorded before.
        case duplicate
        /// 202, not for prenv (another event, action or repository).
        case ignored
        /// 200 to `ping`.
        case pong
        /// 401: the signature is missing or does not match.
        case rejectedSignature = "rejected_signature"
        /// 400: not JSON prenv can read.
        case malformed
        /// 413: larger than `--max-body-bytes`.
        case tooLarge = "too_large"
        /// 503: the inbox could not record it.
        case unavailable
        /// Any other answer (none today).
        case other
    }

    /// One delivery answered: counted by event and outcome, and its time to the answer observed.
    public static func webhookReceived(
        event: WebhookEvent, outcome: WebhookOutcome, duration: Duration, factory: any MetricsFactory = MetricsSystem.factory
    ) {
        count(Name.webhooks, [("event", event.rawValue), ("outcome", outcome.rawValue)], factory: factory)
        time(Name.webhookIntakeDuration, duration, factory: factory)
    }

    /// Inbox events recorded and not yet processed.
    public static func inboxPending(_ events: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        set(Name.inboxPending, Double(events), factory: factory)
    }
}
