import HTTPTransport
import Blueprint
import Foundation
import LocalAWSSupport
import TestServices
import WebhookSupport

/// `prenv serve` as a user runs it: the built binary on a free port, the local AWS endpoint, a GitHub
/// stand-in, SQLite state in a folder of this test's own. It can be killed (SIGKILL) and restarted on
/// the same state, and waits on `/api/environments` rather than on time.
final class ServeHarness: @unchecked Sendable {
    let templates: LocalTemplates
    let directory: URL
    let accessKey = LocalAWS.uniqueAccessKey()
    let secret = "webhook-secret-\(UUID().uuidString)"
    let standin: StandinProcess
    /// Flags and variables beyond the defaults, for every launch (restarts included).
    let extraArguments: [String]
    let extraEnvironment: [String: String]
    private(set) var server: ServiceProcess
    private let lock = NSLock()
    let transport = CurlTransport()

    var blueprints: URL { directory.appendingPathComponent("blueprints") }
    var statePath: String { directory.appendingPathComponent("state/state.sqlite").path }
    var log: URL { directory.appendingPathComponent("serve.log") }

    /// - Parameters:
    ///   - editBlueprint: changes the reference blueprint's text before the first launch.
    ///   - arguments: more `prenv serve` flags (a later flag wins over a default).
    ///   - environment: more variables, e.g. `PRENV_INSTANCE`.
    ///   - extraTokens: more GitHub tokens the stand-in accepts (one per extra replica).
    ///   - templates: the test's template names, when it needs them before the launch (for a config file).
    init(_ name: String, templates: LocalTemplates? = nil, editBlueprint: (String) -> String = { $0 }, arguments: [String] = [],
         environment: [String: String] = [:], extraTokens: [String] = []) async throws {
        extraArguments = arguments
        extraEnvironment = environment
        try await LocalAWS.requireRunning()
        self.templates = templates ?? LocalTemplates(name)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-serve-\(self.templates.suffix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try await self.templates.seed()
        standin = try await StandinProcess(extraTokens: extraTokens)
        let blueprints = directory.appendingPathComponent("blueprints")
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        let file = try self.templates.writeBlueprint(in: blueprints)
        try editBlueprint(try String(contentsOf: file, encoding: .utf8)).write(to: file, atomically: true, encoding: .utf8)
        server = try await Self.launch(directory: directory, accessKey: accessKey, secret: secret, standin: standin,
                                       arguments: arguments, environment: environment)
    }

    static func launch(directory: URL, accessKey: String, secret: String, standin: StandinProcess, arguments: [String] = [],
                       environment: [String: String] = [:], logName: String = "serve.log") async throws -> ServiceProcess {
        try await ServiceProcess(
            executable: PrenvBinary.path,
            arguments: ["serve", "--port", "0", "--blueprints", directory.appendingPathComponent("blueprints").path,
                        "--state", "sqlite:" + directory.appendingPathComponent("state/state.sqlite").path,
                        "--poll-interval", "0.05", "--reconcile-interval", "1", "--pr-check-interval", "0.5", "--log-level", "debug"] + arguments,
            environment: PrenvBinary.isolatedEnvironment([
                "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "serve-secret", "AWS_REGION": LocalAWS.region,
                "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_WEBHOOK_SECRET": secret,
                "GITHUB_TOKEN": standin.token, "GITHUB_API_URL": standin.url.absoluteString,
            ].merging(environment) { $1 }),
            hint: "build prenv first (`swift build`)",
            output: directory.appendingPathComponent(logName))
    }

    /// SIGKILL, then a new server on the same state (as a supervisor such as systemd would).
    func killAndRestart() async throws {
        kill9()
        try await restart()
    }

    func kill9() { lock.withLock { server }.kill9() }

    /// SIGTERM, as a service manager stops prenv; waits for the exit (SIGKILL after 5 s).
    func terminate() { lock.withLock { server }.stop() }

    /// SIGTERM without escalation: the exit status within `limit`, nil if still running then.
    func terminate(within limit: Duration) async -> Int32? { await lock.withLock { server }.terminate(within: limit) }

    func restart() async throws {
        let next = try await Self.launch(directory: directory, accessKey: accessKey, secret: secret, standin: standin,
                                         arguments: extraArguments, environment: extraEnvironment)
        lock.withLock { server = next }
    }

    func stop() {
        server.stop()
        standin.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    var url: URL { lock.withLock { server.url } }

    /// Sends a raw request to `/webhooks/github`.
    func post(body: Data, headers: HTTPHeaders) async throws -> (status: Int, json: [String: Any]) {
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("webhooks/github"), headers: headers, body: body)
        let response = try await transport.send(request)
        return (response.status, (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:])
    }

    /// Sends a delivery signed with the server's secret.
    @discardableResult
    func send(_ payload: PullRequestPayload, deliveryID: String = UUID().uuidString) async throws -> (status: Int, json: [String: Any]) {
        let body = try payload.json()
        return try await post(body: body, headers: WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: deliveryID))
    }

    /// `GET /api/environments`, as `[pr: environment]` for the webapp blueprint.
    func environments() async throws -> [Int: [String: Any]] {
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: "GET", url: url.appendingPathComponent("api/environments")))
        } catch {
            throw Timeout(description: "GET /api/environments failed: \(error)\nserve log:\n\(logTail())")
        }
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        var byPR: [Int: [String: Any]] = [:]
        for environment in object?["environments"] as? [[String: Any]] ?? [] {
            if let pr = environment["pr"] as? Int { byPR[pr] = environment }
        }
        return byPR
    }

    struct Timeout: Error, CustomStringConvertible {
        let description: String
    }

    /// Polls until PR `pr` is in `state` (and at `sha`, if given); fails with the last seen state and the log tail.
    @discardableResult
    func waitFor(pr: Int, state: String, sha: String? = nil, seconds: Double = 90) async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(seconds)
        var last: [String: Any]?
        while Date() < deadline {
            last = try? await environments()[pr]
            if let last, last["state"] as? String == state, sha == nil || last["head_sha"] as? String == sha { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout(description: "PR \(pr) never reached \(state)\(sha.map { " at \($0)" } ?? ""); last seen: \(String(describing: last))\nserve log:\n\(logTail())")
    }

    /// Delays this server's first pipeline-execution poll by `seconds`, holding its apply in
    /// provisioning: a test that acts "while provisioning" cannot otherwise rely on seeing that state
    /// on a loaded machine. The poll is a read, so nothing lands in AWS after the test's next step.
    /// Returns the fault's id, for `LocalAWS.waitUntilFired`.
    func slowFirstPipelinePoll(seconds: Int = 8) async throws -> String {
        try await LocalAWS.addFault([
            "kind": "latency", "service": "codepipeline", "operation": "GetPipelineExecution",
            "access_key": accessKey, "latency_ms": seconds * 1000, "count": 1,
        ])
    }

    func logTail(_ lines: Int = 60) -> String {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Statuses the stand-in accepted for `sha`, in order, as (context, state, description, target_url).
    func statuses(sha: String) async throws -> [(context: String, state: String, description: String, targetURL: String?)] {
        try await standin.received().statuses.filter { $0["_sha"] as? String == sha }.map {
            ($0["context"] as? String ?? "", $0["state"] as? String ?? "", $0["description"] as? String ?? "", $0["target_url"] as? String)
        }
    }

    /// The environment name of PR `pr` (for finding its resources by tag).
    func envName(pr: Int, blueprint: String = "webapp") -> String {
        AWSNames.envName(repository: "acme/webapp", pr: pr, blueprint: blueprint)
    }
}
