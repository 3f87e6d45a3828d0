import CoreMetrics
import Telemetry
import Testing

@Suite struct TelemetryNamingTests {
    static let counters = [Telemetry.Name.webhooks, Telemetry.Name.awsRequests, Telemetry.Name.awsRetries, Telemetry.Name.githubRequests,
                           Telemetry.Name.githubRetries, Telemetry.Name.reconcilerRuns, Telemetry.Name.prCheckRuns]
    static let histograms = [Telemetry.Name.webhookIntakeDuration, Telemetry.Name.operationDuration, Telemetry.Name.awsRequestDuration,
                             Telemetry.Name.reconcilerDuration, Telemetry.Name.prCheckDuration]
    static let gauges = [Telemetry.Name.inboxPending, Telemetry.Name.environments, Telemetry.Name.githubRateLimitRemaining]

    static func isSnakeCase(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") } && !text.hasPrefix("_")
            && !text.hasSuffix("_") && !text.contains("__")
    }

    @Test func everyNameIsPrefixedSnakeCaseWithItsUnitAndUnique() {
        let all = Self.counters + Self.histograms + Self.gauges
        #expect(Set(all).count == all.count, "a name is used twice: \(all)")
        for name in all {
            #expect(name.hasPrefix("prenv_") && Self.isSnakeCase(name), "\(name)")
        }
        for name in Self.counters { #expect(name.hasSuffix("_total"), "\(name)") }
        for name in Self.histograms { #expect(name.hasSuffix("_seconds"), "\(name)") }
        for name in Self.gauges { #expect(!name.hasSuffix("_total") && !name.hasSuffix("_seconds"), "\(name)") }
    }

    @Test func everyHistogramHasAscendingBucketsOfItsOwn() {
        #expect(Set(Telemetry.durationBuckets.keys) == Set(Self.histograms))
        for (name, buckets) in Telemetry.durationBuckets {
            #expect(buckets.count >= 5 && buckets == buckets.sorted() && Set(buckets).count == buckets.count && buckets[0] > .zero, "\(name)")
        }
        // An operation (a CloudFormation stack) can take many minutes; an intake answers in milliseconds.
        #expect(Telemetry.durationBuckets[Telemetry.Name.operationDuration]?.last ?? .zero >= .seconds(600))
        #expect(Telemetry.durationBuckets[Telemetry.Name.webhookIntakeDuration]?.first ?? .seconds(1) <= .milliseconds(1))
    }

    /// Label values are closed sets of snake_case words, so a series count is known in advance.
    @Test func labelValuesAreClosedSnakeCaseSets() {
        let sets: [[String]] = [
            Telemetry.WebhookEvent.allCases.map(\.rawValue), Telemetry.WebhookOutcome.allCases.map(\.rawValue),
            Telemetry.OperationAction.allCases.map(\.rawValue), Telemetry.OperationOutcome.allCases.map(\.rawValue),
            Telemetry.AWSOutcome.allCases.map(\.rawValue), Telemetry.GitHubKind.allCases.map(\.rawValue),
            Telemetry.GitHubOutcome.allCases.map(\.rawValue), Telemetry.environmentStates,
        ]
        for values in sets {
            #expect(Set(values).count == values.count && values.allSatisfy(Self.isSnakeCase), "\(values)")
        }
    }
}

@Suite struct TelemetryRecordingTests {
    @Test func aWebhookIsCountedByEventAndOutcomeAndTimed() throws {
        let factory = RecordingFactory()
        Telemetry.webhookReceived(event: .pullRequest, outcome: .accepted, duration: .milliseconds(12), factory: factory)
        Telemetry.webhookReceived(event: .pullRequest, outcome: .accepted, duration: .milliseconds(3), factory: factory)
        Telemetry.webhookReceived(event: .other, outcome: .rejectedSignature, duration: .microseconds(200), factory: factory)
        #expect(factory.recorded(Telemetry.Name.webhooks, [("event", "pull_request"), ("outcome", "accepted")]) == [1, 1])
        #expect(factory.recorded(Telemetry.Name.webhooks, [("event", "other"), ("outcome", "rejected_signature")]) == [1])
        #expect(factory.kind(of: Telemetry.Name.webhooks) == .counter)
        #expect(factory.kind(of: Telemetry.Name.webhookIntakeDuration) == .timer)
        let seconds = factory.recorded(Telemetry.Name.webhookIntakeDuration)
        #expect(seconds.count == 3 && abs(seconds[0] - 0.012) < 1e-9 && abs(seconds[2] - 0.0002) < 1e-9, "\(seconds)")
    }

    /// `X-GitHub-Event` is read before the signature is checked: whatever a sender writes there is
    /// `other`, never a label value of its own.
    @Test func anUnknownEventHeaderIsOther() {
        for header in ["push", "<script>alert(1)</script>", String(repeating: "x", count: 10_000), "Pull_Request", "", "pull_request\n"] {
            #expect(Telemetry.WebhookEvent(header: header) == .other, "\(header.prefix(40))")
        }
        #expect(Telemetry.WebhookEvent(header: nil) == .other)
        #expect(Telemetry.WebhookEvent(header: "pull_request") == .pullRequest)
        #expect(Telemetry.WebhookEvent(header: "issue_comment") == .issueComment)
    }

    @Test func environmentsSetEveryStateIncludingTheEmptyOnes() {
        let factory = RecordingFactory()
        Telemetry.environments(byState: ["ready": 2, "destroyed": 1], factory: factory)
        Telemetry.environments(byState: ["destroyed": 3], factory: factory)
        #expect(factory.kind(of: Telemetry.Name.environments) == .gauge)
        #expect(factory.recorded(Telemetry.Name.environments, [("state", "ready")]) == [2, 0])
        #expect(factory.recorded(Telemetry.Name.environments, [("state", "destroyed")]) == [1, 3])
        #expect(factory.recorded(Telemetry.Name.environments, [("state", "provisioning")]) == [0, 0])
        #expect(Set(factory.series.map(\.labels)) == Set(Telemetry.environmentStates.map { ["state=\($0)"] }))
    }

    @Test func inboxDepthIsAGauge() {
        let factory = RecordingFactory()
        Telemetry.inboxPending(4, factory: factory)
        Telemetry.inboxPending(0, factory: factory)
        #expect(factory.kind(of: Telemetry.Name.inboxPending) == .gauge)
        #expect(factory.recorded(Telemetry.Name.inboxPending) == [4, 0])
    }

    @Test func anOperationIsTimedByResourceTypeActionAndOutcome() {
        let factory = RecordingFactory()
        Telemetry.operationFinished(resourceType: "aws/codebuild-project", action: .create, outcome: .succeeded, duration: .seconds(3),
                                    factory: factory)
        Telemetry.operationFinished(resourceType: "aws/cloudformation-stack", action: .delete, outcome: .cancelled, duration: .seconds(90),
                                    factory: factory)
        #expect(factory.recorded(Telemetry.Name.operationDuration,
                                 [("resource_type", "aws/codebuild-project"), ("action", "create"), ("outcome", "succeeded")]) == [3])
        #expect(factory.recorded(Telemetry.Name.operationDuration,
                                 [("resource_type", "aws/cloudformation-stack"), ("action", "delete"), ("outcome", "cancelled")]) == [90])
    }

    @Test func anAWSAttemptIsCountedTimedAndItsRetryCountedApart() {
        let factory = RecordingFactory()
        Telemetry.awsAttempt(service: "codebuild", operation: "CreateProject", outcome: .throttled, duration: .milliseconds(40), retried: true,
                             factory: factory)
        Telemetry.awsAttempt(service: "codebuild", operation: "CreateProject", outcome: .success, duration: .milliseconds(60), factory: factory)
        let call = [("service", "codebuild"), ("operation", "CreateProject")]
        #expect(factory.recorded(Telemetry.Name.awsRequests, call + [("outcome", "throttled")]) == [1])
        #expect(factory.recorded(Telemetry.Name.awsRequests, call + [("outcome", "success")]) == [1])
        #expect(factory.recorded(Telemetry.Name.awsRetries, call) == [1], "only the attempt followed by another is a retry")
        #expect(factory.recorded(Telemetry.Name.awsRequestDuration, call).count == 2)
    }

    @Test func aGitHubAttemptIsCountedByKindAndOutcomeWithTheRateLimitApart() {
        let factory = RecordingFactory()
        Telemetry.githubAttempt(kind: .status, outcome: .serverError, retried: true, factory: factory)
        Telemetry.githubAttempt(kind: .status, outcome: .success, factory: factory)
        Telemetry.githubRateLimitRemaining(4999, factory: factory)
        #expect(factory.recorded(Telemetry.Name.githubRequests, [("kind", "status"), ("outcome", "server_error")]) == [1])
        #expect(factory.recorded(Telemetry.Name.githubRequests, [("kind", "status"), ("outcome", "success")]) == [1])
        #expect(factory.recorded(Telemetry.Name.githubRetries, [("kind", "status")]) == [1])
        #expect(factory.recorded(Telemetry.Name.githubRateLimitRemaining) == [4999])
        #expect(factory.kind(of: Telemetry.Name.githubRateLimitRemaining) == .gauge)
    }

    @Test func passesAreCountedAndTimedEachUnderItsOwnName() {
        let factory = RecordingFactory()
        Telemetry.passFinished(.reconciler, duration: .milliseconds(5), factory: factory)
        Telemetry.passFinished(.pullRequestCheck, duration: .milliseconds(7), factory: factory)
        Telemetry.passFinished(.pullRequestCheck, duration: .milliseconds(9), factory: factory)
        #expect(factory.recorded(Telemetry.Name.reconcilerRuns) == [1])
        #expect(factory.recorded(Telemetry.Name.prCheckRuns) == [1, 1])
        #expect(factory.recorded(Telemetry.Name.prCheckDuration).count == 2)
    }

    /// The default factory is the task-local one when bound: how code that cannot pass a factory is tested.
    @Test func helpersRecordIntoATaskLocalFactoryByDefault() {
        let factory = RecordingFactory()
        withMetricsFactory(factory) {
            Telemetry.inboxPending(7)
        }
        #expect(factory.recorded(Telemetry.Name.inboxPending) == [7])
    }
}
