import AWSCore
import AWSServices
import Foundation
import HTTPTransport
import LocalAWSSupport
import TestServices
import WebhookSupport

/// Monday morning: `prenvBenchDrainPRs` pull requests opened within seconds, through a real
/// `prenv serve` (the release build) against the local endpoint with per-service request-rate caps
/// (token buckets, throttling above the cap) and added latency on every call, all scoped to serve's
/// own access key. Prints the time until every environment is ready, the lower bound the caps allow
/// (for each service, the calls AWS accepted ÷ its cap; the largest), their ratio, the throttles AWS
/// returned, and how many throttling errors reached a PR (a failed environment or a commit status
/// naming throttling). Asserts nothing: a figure for BENCHMARKS.md.
///
/// Settings (environment): PRENV_BENCH_DRAIN_PRS (200), PRENV_BENCH_DRAIN_CAPS
/// ("codepipeline=5,codebuild=5,cloudformation=5,s3=3500"), PRENV_BENCH_DRAIN_LATENCY_MS (75),
/// PRENV_BENCH_DRAIN_PACING ("adaptive"; "static,adaptive" runs both, one after the other),
/// PRENV_BENCH_DRAIN_STACK (1; 0 drops the CloudFormation node), PRENV_BENCH_DRAIN_TIMEOUT (1800 s),
/// PRENV_BENCH_PRENV (the binary; .build/release/prenv).
func benchmarkDrain() async throws {
    let environment = ProcessInfo.processInfo.environment
    let prs = Int(environment["PRENV_BENCH_DRAIN_PRS"] ?? "") ?? 200
    let caps = parseCaps(environment["PRENV_BENCH_DRAIN_CAPS"] ?? "codepipeline=5,codebuild=5,cloudformation=5,s3=3500")
    let latency = Int(environment["PRENV_BENCH_DRAIN_LATENCY_MS"] ?? "") ?? 75
    let withStack = environment["PRENV_BENCH_DRAIN_STACK"] != "0"
    let timeout = Double(environment["PRENV_BENCH_DRAIN_TIMEOUT"] ?? "") ?? 1800
    try await LocalAWS.requireRunning()
    for pacing in (environment["PRENV_BENCH_DRAIN_PACING"] ?? "adaptive").split(separator: ",") {
        try await DrainRun(prs: prs, caps: caps, latencyMS: latency, withStack: withStack, pacing: String(pacing), timeout: timeout).run()
    }
}

func parseCaps(_ text: String) -> [String: Double] {
    var caps: [String: Double] = [:]
    for pair in text.split(separator: ",") {
        let parts = pair.split(separator: "=")
        if parts.count == 2, let value = Double(parts[1]) { caps[String(parts[0])] = value }
    }
    return caps
}

struct DrainRun {
    let prs: Int
    let caps: [String: Double]
    let latencyMS: Int
    let withStack: Bool
    let pacing: String
    let timeout: Double

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    func run() async throws {
        let suffix = LocalAWS.uniqueName("drain")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-bench-\(suffix)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("blueprints/stacks"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await seedTemplates(suffix: suffix)
        try writeBlueprint(suffix: suffix, into: directory.appendingPathComponent("blueprints"))

        let accessKey = LocalAWS.uniqueAccessKey()
        for (service, cap) in caps.sorted(by: { $0.key < $1.key }) {
            try await LocalAWS.addFault(["kind": "rps", "service": service, "rps": cap, "burst": max(1, cap), "access_key": accessKey])
        }
        if latencyMS > 0 { try await LocalAWS.addFault(["kind": "latency", "latency_ms": latencyMS, "access_key": accessKey]) }
        defer { Task { _ = try? await LocalAWS.admin("DELETE", "/_prenv/faults?access_key=\(accessKey)") } }

        let standin = try await StandinProcess()
        defer { standin.stop() }
        let secret = "drain-secret-\(UUID().uuidString)"
        let binary = ProcessInfo.processInfo.environment["PRENV_BENCH_PRENV"] ?? Self.root.appendingPathComponent(".build/release/prenv").path
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw Failed(description: "build prenv first: swift build -c release --product prenv") }
        let server = try await ServiceProcess(
            executable: binary,
            arguments: ["serve", "--port", "0", "--blueprints", directory.appendingPathComponent("blueprints").path,
                        "--state", "sqlite:" + directory.appendingPathComponent("state.sqlite").path,
                        "--github-writes-per-minute", "100000", "--github-writes-per-hour", "1000000", "--comment-interval", "0",
                        "--gc-interval", "0", "--log-level", "info"],
            environment: [
                "HOME": "/nonexistent-prenv-home", "PATH": "/usr/bin:/bin",
                "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "drain-secret", "AWS_REGION": LocalAWS.region,
                "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_WEBHOOK_SECRET": secret,
                "GITHUB_TOKEN": standin.token, "GITHUB_API_URL": standin.url.absoluteString,
                "PRENV_AWS_PACING": pacing,
            ],
            hint: "build prenv first (swift build -c release --product prenv)",
            output: directory.appendingPathComponent("serve.log"))
        defer { server.stop() }

        let transport = CurlTransport(maxConnectionsPerHost: 16)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var index = worker
                    while index < prs {
                        // A repository of this run's own: environment names derive from it and the PR number,
                        // and an earlier run's resources (another prenv instance's) are still in the endpoint.
                        let payload = PullRequestPayload(action: "opened", repository: "acme/\(suffix)", number: index + 1,
                                                         headSHA: String(format: "%040x", index + 1), headRef: "feature/drain-\(index + 1)")
                        let body = try payload.json()
                        let request = HTTPRequest(method: "POST", url: server.url.appendingPathComponent("webhooks/github"),
                                                  headers: WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: "\(suffix)-\(index)"),
                                                  body: body)
                        let response = try await transport.send(request)
                        guard response.status == 202 else { throw Failed(description: "webhook \(index + 1) answered \(response.status)") }
                        index += 16
                    }
                }
            }
            try await group.waitForAll()
        }
        let sent = seconds(started.duration(to: clock.now))

        // Poll until every PR's environment is ready (or failed: a failure counts, it is not waited on).
        var finished: [Int: [String: Any]] = [:]
        var readyAt: Double = 0
        while true {
            let environments = try await self.environments(server.url, transport: transport)
            finished = environments.filter { ["ready", "failed"].contains($0.value["state"] as? String ?? "") }
            if finished.count >= prs {
                readyAt = seconds(started.duration(to: clock.now))
                break
            }
            if seconds(started.duration(to: clock.now)) > timeout {
                throw Failed(description: "\(finished.count) of \(prs) environments finished within \(Int(timeout)) s (\(pacing) pacing); serve log: \(directory.path)/serve.log")
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        let failed = finished.values.filter { $0["state"] as? String == "failed" }

        // What AWS saw from serve's key: calls per service, and what each cap rejected.
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(accessKey)")
        let requests = stats["requests"] as? [String: [String: Int]] ?? [:]
        let rules = try await LocalAWS.admin("GET", "/_prenv/faults")["faults"] as? [[String: Any]] ?? []
        var throttledBy: [String: Int] = [:]
        for rule in rules where rule["access_key"] as? String == accessKey && rule["kind"] as? String == "rps" {
            if let service = rule["service"] as? String { throttledBy[service] = rule["fired"] as? Int ?? 0 }
        }
        var bound = 0.0
        var boundService = ""
        var lines: [String] = []
        for (service, operations) in requests.sorted(by: { $0.key < $1.key }) {
            let total = operations.values.reduce(0, +)
            let throttled = throttledBy[service] ?? 0
            let accepted = total - throttled
            var line = "    \(service): \(total) calls (\(throttled) throttled)"
            if let cap = caps[service] {
                let seconds = Double(accepted) / cap
                line += String(format: ", cap %g/s → %.1f s", cap, seconds)
                if seconds > bound { (bound, boundService) = (seconds, service) }
            }
            let top = operations.sorted { $0.value > $1.value }.prefix(6).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            lines.append(line + " [" + top + "]")
        }

        // Throttling that reached a PR: a failed environment or resource naming it, or a commit status saying it.
        let words = ["throttl", "rate exceeded", "slowdown", "slow down", "toomanyrequests"]
        func mentionsThrottling(_ text: String) -> Bool { words.contains { text.lowercased().contains($0) } }
        var surfaced = 0
        for environment in finished.values {
            let texts = [environment["reason"] as? String ?? ""] + (environment["resources"] as? [[String: Any]] ?? []).map { $0["error"] as? String ?? "" }
            if texts.contains(where: mentionsThrottling) { surfaced += 1 }
        }
        let statuses = try await standin.received().statuses
        let throttledStatuses = statuses.filter { mentionsThrottling($0["description"] as? String ?? "") }.count
        let retriedLog = (try? String(contentsOf: directory.appendingPathComponent("serve.log"), encoding: .utf8))?
            .split(separator: "\n").filter { $0.contains("aws call will be retried") }.count ?? 0

        print(String(format: "drain (%@ pacing, %@): %d PRs opened in %.1f s; all environments finished after %.1f s (%d ready, %d failed)",
                     pacing, withStack ? "4-node webapp blueprint" : "webapp blueprint without the stack node", prs, sent, readyAt,
                     finished.count - failed.count, failed.count))
        print(String(format: "  latency %d ms per call; lower bound %.1f s (%@); time / bound = %.2f", latencyMS, bound, boundService,
                     bound > 0 ? readyAt / bound : 0))
        for line in lines { print(line) }
        print("  throttling errors AWS returned: \(throttledBy.values.reduce(0, +)); retries prenv logged: \(retriedLog); "
              + "reached a PR: \(surfaced) environments, \(throttledStatuses) of \(statuses.count) commit statuses")
        if let example = failed.first {
            print("  first failure: \(example["reason"] as? String ?? "?")")
        }
    }

    func environments(_ url: URL, transport: CurlTransport) async throws -> [Int: [String: Any]] {
        let response = try await transport.send(HTTPRequest(method: "GET", url: url.appendingPathComponent("api/environments")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        var byPR: [Int: [String: Any]] = [:]
        for environment in object?["environments"] as? [[String: Any]] ?? [] {
            if let pr = environment["pr"] as? Int { byPR[pr] = environment }
        }
        return byPR
    }

    /// The bucket, the template project and the "main" pipeline the blueprint clones, seeded with a
    /// key of their own so serve's key counts only prenv's calls.
    func seedTemplates(suffix: String) async throws {
        let client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: LocalAWS.uniqueAccessKey()))
        let role = try await LocalAWS.serviceRoleARN(client: client)
        try await S3(client: client).createBucket("\(suffix)-previews")
        _ = try await CodeBuild(client: client).createProject(LocalAWS.projectDocument(name: "\(suffix)-build-template", serviceRole: role))
        _ = try await CodePipeline(client: client).createPipeline(
            LocalAWS.pipelineDocument(name: "\(suffix)-main", roleArn: role, bucket: "\(suffix)-previews", project: "\(suffix)-build-template"),
            tags: [])
    }

    /// The reference blueprint (blueprints/webapp.yaml) with this run's names; without the stack node
    /// (and the status target that reads its output) when `withStack` is false.
    func writeBlueprint(suffix: String, into directory: URL) throws {
        let source = Self.root.appendingPathComponent("blueprints")
        var text = try String(contentsOf: source.appendingPathComponent("webapp.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "acme-previews", with: "\(suffix)-previews")
            .replacingOccurrences(of: "acme-webapp-build", with: "\(suffix)-build-template")
            .replacingOccurrences(of: "acme-webapp-main", with: "\(suffix)-main")
        if !withStack {
            // The site node and the status target reading its output are the file's last lines.
            guard let site = text.range(of: "  # The preview site") else {
                throw Failed(description: "blueprints/webapp.yaml no longer has the site node where the benchmark expects it")
            }
            text.replaceSubrange(site.lowerBound..<text.endIndex, with: "")
        }
        try FileManager.default.copyItem(at: source.appendingPathComponent("stacks/site.yaml"), to: directory.appendingPathComponent("stacks/site.yaml"))
        try text.write(to: directory.appendingPathComponent("webapp.yaml"), atomically: true, encoding: .utf8)
    }
}
