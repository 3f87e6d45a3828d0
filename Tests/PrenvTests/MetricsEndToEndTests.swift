import Foundation
import HTTPTransport
import LocalAWSSupport
import Testing
import WebhookSupport

/// `GET /metrics` of the built binary, scraped before and after a pull request's life (opened →
/// ready → closed → destroyed, a delivery with a bad signature, a redelivery, one throttled AWS
/// call) and parsed by the reference Prometheus parser: the counters moved by what happened, and
/// nothing a PR author wrote (branch name, delivery id) nor a repository name is in the exposition.
@Suite struct MetricsEndToEndTests {
    let sha = String(repeating: "7", count: 40)
    let pr = 4400

    @Test func aLifecycleMovesTheCountersAndTheParserReadsEveryScrape() async throws {
        let serve = try await ServeHarness("sv-metrics")
        defer { serve.stop() }
        let before = try await MetricsScrape.take(from: serve.url, transport: serve.transport)
        #expect(before.contentType == "text/plain; version=0.0.4; charset=utf-8")

        let branch = "metrics-\(UUID().uuidString.prefix(8))<script>\"x"
        let opened = PullRequestPayload(action: "opened", number: pr, headSHA: sha, headRef: branch, updatedAt: WebhookFixtures.timestamp(0))
        let deliveryID = "metrics-delivery-\(UUID().uuidString)"
        let first = try await serve.send(opened, deliveryID: deliveryID)
        #expect(first.json["outcome"] as? String == "accepted", "\(first)")
        #expect(try await serve.send(opened, deliveryID: deliveryID).json["outcome"] as? String == "duplicate")
        let body = try opened.json()
        let forged = try await serve.post(body: body, headers: WebhookFixtures.headers(body: body, signingSecret: "not-the-secret"))
        #expect(forged.status == 401)
        try await serve.waitFor(pr: pr, state: "ready", sha: sha)
        let ready = try await MetricsScrape.take(from: serve.url, transport: serve.transport)
        #expect(ready.value("prenv_environments", ["state": "ready"]) == 1, "\(ready.samples.filter { $0.name == "prenv_environments" })")

        // The teardown's first CodeBuild call is throttled once (a rule scoped to this server's access key): retried, counted apart.
        let throttle = try await LocalAWS.addFault(["kind": "throttle", "service": "codebuild", "access_key": serve.accessKey, "count": 1])
        try await serve.send(PullRequestPayload(action: "closed", number: pr, headSHA: sha, headRef: branch, updatedAt: WebhookFixtures.timestamp(30)))
        try await serve.waitFor(pr: pr, state: "destroyed")
        try await LocalAWS.waitUntilFired(throttle)
        // Statuses are posted off the provisioning path: wait for the final one to be counted.
        let after = try await eventuallyScrape(serve) { $0.value("prenv_github_requests_total", ["kind": "status", "outcome": "success"]) >= 2 }

        func moved(_ name: String, _ labels: [String: String] = [:]) -> Double { after.value(name, labels) - before.value(name, labels) }

        // Webhooks by outcome, and the intake's latency observed for each.
        #expect(moved("prenv_webhooks_received_total", ["event": "pull_request", "outcome": "accepted"]) == 2)
        #expect(moved("prenv_webhooks_received_total", ["event": "pull_request", "outcome": "duplicate"]) == 1)
        #expect(moved("prenv_webhooks_received_total", ["event": "pull_request", "outcome": "rejected_signature"]) == 1)
        #expect(moved("prenv_webhook_intake_duration_seconds_count") == 4)
        #expect(after.value("prenv_webhook_intake_duration_seconds_bucket", ["le": "+Inf"]) == after.value("prenv_webhook_intake_duration_seconds_count"))

        // AWS calls of every service the reference blueprint uses, and the throttled one apart.
        for service in ["codebuild", "codepipeline", "s3", "cloudformation"] {
            #expect(moved("prenv_aws_requests_total", ["service": service, "outcome": "success"]) > 0, "\(service)")
            #expect(moved("prenv_aws_request_duration_seconds_count", ["service": service]) > 0, "\(service)")
        }
        #expect(moved("prenv_aws_requests_total", ["service": "codebuild", "outcome": "throttled"]) == 1)
        #expect(moved("prenv_aws_retries_total", ["service": "codebuild"]) >= 1)

        // Each resource type's create and delete, timed.
        for type in ["aws/s3-prefix", "aws/codebuild-project", "aws/codepipeline", "aws/cloudformation-stack"] {
            #expect(moved("prenv_operation_duration_seconds_count", ["resource_type": type, "action": "create", "outcome": "succeeded"]) == 1, "\(type)")
            #expect(moved("prenv_operation_duration_seconds_count", ["resource_type": type, "action": "delete", "outcome": "succeeded"]) == 1, "\(type)")
        }
        #expect(moved("prenv_operation_duration_seconds_sum") > 0)

        // GitHub writes, the environment gone from `ready`, the periodic passes running.
        #expect(moved("prenv_github_requests_total", ["kind": "status", "outcome": "success"]) >= 2)
        #expect(after.value("prenv_environments", ["state": "ready"]) == 0)
        #expect(after.value("prenv_environments", ["state": "destroyed"]) == 1)
        #expect(after.has("prenv_inbox_pending_events"))
        // The allocator's own figures (glibc): a running server has some heap in use.
        #expect(after.value("prenv_heap_bytes", ["kind": "in_use"]) > 1_000_000)
        #expect(after.has("prenv_heap_bytes", ["kind": "free"]))
        #expect(moved("prenv_reconciler_runs_total") >= 1)
        #expect(moved("prenv_pr_check_runs_total") >= 1)

        // Types as Prometheus reads them (the parser names a counter's family without `_total`).
        let expected = [
            "prenv_webhooks_received": "counter", "prenv_webhook_intake_duration_seconds": "histogram", "prenv_environments": "gauge",
            "prenv_inbox_pending_events": "gauge", "prenv_operation_duration_seconds": "histogram", "prenv_aws_requests": "counter",
            "prenv_aws_request_duration_seconds": "histogram", "prenv_aws_retries": "counter", "prenv_github_requests": "counter",
            "prenv_reconciler_runs": "counter", "prenv_pr_check_runs": "counter", "prenv_heap_bytes": "gauge",
        ]
        for (family, type) in expected { #expect(after.families[family] == type, "\(family): \(after.families[family] ?? "absent")") }

        // What a PR author or GitHub controls never becomes a label value.
        for untrusted in [branch, deliveryID, "acme", "webapp", sha] {
            #expect(!after.text.contains(untrusted), "\(untrusted) is in /metrics")
        }
        let series = after.samples.count
        let families = after.families.count
        print("metrics after one lifecycle: \(families) families, \(series) samples, \(after.text.utf8.count) bytes")
    }

    /// Scrapes until `condition` holds (10 s), returning the last scrape either way.
    func eventuallyScrape(_ serve: ServeHarness, until condition: (MetricsScrape) -> Bool) async throws -> MetricsScrape {
        let deadline = Date().addingTimeInterval(10)
        var scrape = try await MetricsScrape.take(from: serve.url, transport: serve.transport)
        while !condition(scrape), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            scrape = try await MetricsScrape.take(from: serve.url, transport: serve.transport)
        }
        return scrape
    }
}
