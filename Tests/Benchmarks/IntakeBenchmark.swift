import HTTPTransport
import Foundation
import Hummingbird
import Logging
import Orchestrator
import StateStoreSQLite
import Supervisor
import WebServer
import WebhookSupport

/// Webhook intake as GitHub sees it: a burst of distinct, signed `pull_request` deliveries (the real
/// `opened` payload, ~25 KB each) over HTTP to the real routes, each durably recorded in SQLite
/// (WAL, synchronous=FULL) before its 202. Per-PR workers are not attached: they run after the
/// reply and are measured elsewhere. Prints requests/s and p50/p99 latency to the 202.
/// - Parameter stateWrites: also run the executor's kind of load on the same file meanwhile: node
///   records written back to back (one fsync each) through the state store's own connection, as
///   when environments are being provisioned while webhooks arrive.
func benchmarkIntake(events: Int, concurrency: Int, stateWrites: Bool = false) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-bench-intake-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("state.sqlite").path
    let inbox = try SQLiteEventInbox(path: path)
    let store = try SQLiteStateStore(path: path)
    let key = EnvironmentKey(repository: "acme/busy", pr: 1, blueprint: "webapp")
    try await store.save(EnvironmentRecord(key: key, envName: "busy", headSHA: "a", state: .provisioning(sha: "a"), updatedAt: Date()))
    try await measureIntake(label: "SQLite", replicas: [inbox], events: events, concurrency: concurrency, stateWrites: stateWrites ? store : nil,
                            nodeKey: key)
}

/// Sends the burst round-robin to one intake server per inbox in `replicas` (each its own
/// Hummingbird application, as replicas behind a load balancer are) and prints the figures.
/// - Parameter stateWrites: a store to write node records to back to back meanwhile (under `nodeKey`).
func measureIntake(label: String, replicas: [any EventInbox], events: Int, concurrency: Int, stateWrites store: (any StateStore)?,
                   nodeKey key: EnvironmentKey) async throws {
    let secret = "bench-secret"
    var quiet = Logger(label: "prenv.bench")
    quiet.logLevel = .critical  // a log line per request would be measured too
    var servers: [Task<Void, any Error>] = []
    defer { for server in servers { server.cancel() } }
    var urls: [URL] = []
    for inbox in replicas {
        let intake = WebhookIntake(secret: secret, inbox: inbox, isRelevant: { _ in true }, onRecorded: { _ in }, logger: quiet)
        let router = PrenvRouter.make(intake: intake, maxBodyBytes: 5 << 20, environments: { Data() }, health: { true })
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        configuration = configuration.with(backlog: 1024)
        let app = Application(router: router, configuration: configuration, onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
        }, logger: quiet)
        servers.append(Task { try await app.run() })
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next(), let url = URL(string: "http://127.0.0.1:\(port)/webhooks/github") else { return }
        urls.append(url)
    }
    let inbox = replicas[0]

    // Built and signed up front: the figure is the server's, not the client's JSON work.
    let requests = try (0..<events).map { index -> HTTPTransport.HTTPRequest in
        let payload = PullRequestPayload(action: "opened", repository: "acme/bench-\(index % 50)", number: index + 1,
                                         headSHA: String(format: "%040x", index))
        let body = try payload.json()
        let headers = WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: "bench-\(label)-\(replicas.count)-\(concurrency)-\(index)")
        return HTTPTransport.HTTPRequest(method: "POST", url: urls[index % urls.count], headers: headers, body: body)
    }
    let transport = CurlTransport(maxConnectionsPerHost: concurrency)
    for index in 0..<min(20, events) { _ = try await transport.send(requests[index]) }  // warm up (recorded as duplicates later)

    let writer = Task {
        var writes = 0
        while let store, !Task.isCancelled {
            let node = NodeRecord(id: "node-\(writes % 8)", type: "aws/codebuild-project", status: .creating, updatedAt: Date())
            try? await store.saveNode(key, node)
            writes += 1
        }
        return writes
    }
    let (latencies, accepted, wall) = try await sendBurst(requests, senders: concurrency, over: transport)
    writer.cancel()
    let writes = await writer.value
    let recorded = try await inbox.pendingKeys().count
    let load = store != nil ? String(format: ", while %.0f state writes/s", Double(writes) / wall) : ""
    let where_ = replicas.count == 1 ? label : "\(label), \(replicas.count) replicas"
    print("intake (\(where_)): " + String(format: "%d signed pull_request deliveries (%.0f KB each), %d in flight", events, Double(requests[0].body.count) / 1024, concurrency)
        + load
        + String(format: ": %.0f requests/s, p50 %.2f ms, p99 %.2f ms to the 202; %d answered 202, %d PRs recorded",
                 Double(events) / wall, percentile(latencies, 0.5), percentile(latencies, 0.99), accepted, recorded))
}

/// Sends `requests` over `senders` connections, each sender taking every `senders`-th request in
/// turn; returns the latencies to the answer (ms, sorted), how many were answered 202, and the seconds taken.
func sendBurst(_ requests: [HTTPTransport.HTTPRequest], senders: Int, over transport: CurlTransport) async throws
    -> (latencies: [Double], accepted: Int, wall: Double)
{
    let clock = ContinuousClock()
    let started = clock.now
    let (latencies, accepted) = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
        for sender in 0..<senders {
            group.addTask {
                var mine: [Double] = []
                var ok = 0
                for index in stride(from: sender, to: requests.count, by: senders) {
                    let sent = clock.now
                    let response = try await transport.send(requests[index])
                    mine.append(seconds(sent.duration(to: clock.now)) * 1000)
                    if response.status == 202 { ok += 1 }
                }
                return (mine, ok)
            }
        }
        var all: [Double] = []
        var ok = 0
        for try await (part, count) in group {
            all += part
            ok += count
        }
        return (all.sorted(), ok)
    }
    return (latencies, accepted, seconds(started.duration(to: clock.now)))
}
