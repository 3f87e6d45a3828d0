import Foundation
import HTTPTransport
import LocalAWSSupport
import TestServices
import WebhookSupport

/// Webhook intake of a real `prenv serve` (the release binary in `PRENV_BENCH_PRENV`) against the
/// bare reference (`BareIntakeServer`: HMAC, group commit, 202), side by side in one run: the same
/// signed `pull_request` bodies (~25 KB), `senders` keep-alive connections, each server pinned to
/// the same core (`PRENV_BENCH_SERVER_CPU`, the last by default) and this process to the others, a
/// fresh database file each, alternating over `rounds` so drift in the machine's load hits both.
/// Prints requests/s, p50/p99 to the 202 and CPU time per delivery for each, and prenv's ratios
/// (median over rounds).
///
/// prenv records every delivery (its blueprint lists the repositories) but the PRs target a base
/// branch the blueprint does not cover, so each PR's worker only decides there is nothing to do:
/// the figure is intake's, as in the other intake figures, not provisioning's (`drain`).
func benchmarkIntakeRatio(events: Int, senders: Int, rounds: Int) async throws {
    let environment = ProcessInfo.processInfo.environment
    let binary = environment["PRENV_BENCH_PRENV"] ?? ".build/release/prenv"
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw BareIntakeFailure(description: "no prenv binary at \(binary): `swift build -c release --product prenv`, or set PRENV_BENCH_PRENV")
    }
    #if DEBUG
    print("intake ratio: warning: a debug build; the bare server is this binary, so its figures (and the ratio) mean nothing")
    #endif
    let cpus = ProcessInfo.processInfo.activeProcessorCount
    let serverCPU = Int(environment["PRENV_BENCH_SERVER_CPU"] ?? "") ?? cpus - 1
    if cpus > 1 { try pinThisProcess(awayFrom: serverCPU, cpus: cpus) }

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-bench-ratio-\(UUID().uuidString)")
    let blueprints = directory.appendingPathComponent("blueprints")
    try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
    defer { if environment["PRENV_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) } else { print("kept \(directory.path)") } }
    try """
    name: ratio
    on:
      repositories: ["acme/*"]
      base_branches: [main]
    resources:
      artifacts:
        type: aws/s3-prefix
        properties:
          bucket: prenv-bench-ratio-unused
          prefix: "${env.name}/"
    """.write(to: blueprints.appendingPathComponent("ratio.yaml"), atomically: true, encoding: .utf8)
    let standin = try await StandinProcess()
    defer { standin.stop() }
    let secret = "bench-intake-ratio-secret"

    // Signed once, sent to each server (each has its own fresh database, so ids may repeat). One
    // payload is made from the fixture and varied by replacing its markers (making each from the
    // fixture would take minutes).
    let template = String(decoding: try PullRequestPayload(action: "opened", repository: "acme/ratio-marker", number: 987_654_321,
                                                           headSHA: String(repeating: "f", count: 40), baseRef: "release/bench")
        .json().asGitHubWritesIt(), as: UTF8.self)
    func delivery(_ index: Int, id: String) throws -> (headers: HTTPHeaders, body: Data) {
        let body = Data(template.replacingOccurrences(of: "987654321", with: String(index + 1))
            .replacingOccurrences(of: String(repeating: "f", count: 40), with: String(format: "%040x", index))
            .replacingOccurrences(of: "ratio-marker", with: "ratio-\(index % 50)").utf8)
        return (WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: id), body)
    }
    let warmUp = try (0..<200).map { try delivery(events + $0, id: "warm-\($0)") }
    let measured = try (0..<events).map { try delivery($0, id: "ratio-\($0)") }

    let transport = CurlTransport(timeout: .seconds(60), maxConnectionsPerHost: senders)
    func run(_ server: ServiceProcess) async throws -> IntakeFigures {
        let target = server.url.appendingPathComponent("webhooks/github")
        for (headers, body) in warmUp { _ = try await transport.send(HTTPRequest(method: "POST", url: target, headers: headers, body: body)) }
        let requests = measured.map { HTTPRequest(method: "POST", url: target, headers: $0.headers, body: $0.body) }
        let cpuBefore = try await ProcessCPU.settled(pid: server.pid)
        let (latencies, accepted, wall) = try await sendBurst(requests, senders: senders, over: transport)
        guard accepted == events else { throw BareIntakeFailure(description: "only \(accepted) of \(events) deliveries answered 202 by \(server.url)") }
        let cpu = try await ProcessCPU.settled(pid: server.pid) - cpuBefore
        return IntakeFigures(perSecond: Double(events) / wall, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99),
                             cpuPerDelivery: cpu / Double(events) * 1e6)
    }

    let pin = ["-c", "\(serverCPU)"]
    // `NAME=VALUE` words for prenv serve's environment (an experiment's switch, `MALLOC_ARENA_MAX`).
    let extraEnvironment = Dictionary((environment["PRENV_BENCH_SERVE_ENV"] ?? "").split(separator: " ").compactMap { word in
        word.firstIndex(of: "=").map { (String(word[..<$0]), String(word[word.index(after: $0)...])) }
    }, uniquingKeysWith: { _, last in last })
    var bare: [IntakeFigures] = []
    var prenv: [IntakeFigures] = []
    for round in 1...rounds {
        let roundDirectory = directory.appendingPathComponent("round-\(round)")
        try FileManager.default.createDirectory(at: roundDirectory, withIntermediateDirectories: true)
        let reference = try await ServiceProcess(
            executable: "/usr/bin/taskset",
            arguments: pin + [CommandLine.arguments[0], "bare-intake-server", "--db", roundDirectory.appendingPathComponent("bare.sqlite").path,
                              "--secret", secret],
            hint: "the benchmarks binary itself", output: roundDirectory.appendingPathComponent("bare.log"))
        bare.append(try await run(reference))
        reference.stop()

        let server = try await ServiceProcess(
            executable: "/usr/bin/taskset",
            arguments: pin + [binary, "serve", "--port", "0", "--blueprints", blueprints.path,
                              "--state", "sqlite:" + roundDirectory.appendingPathComponent("state.sqlite").path, "--gc-interval", "0"]
                + (environment["PRENV_BENCH_SERVE_ARGS"]?.split(separator: " ").map(String.init) ?? []),
            environment: [
                "PATH": environment["PATH"] ?? "/usr/bin:/bin", "HOME": roundDirectory.path,
                "AWS_ACCESS_KEY_ID": "AKIDBENCHRATIO", "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": LocalAWS.region,
                "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_WEBHOOK_SECRET": secret,
                "GITHUB_TOKEN": standin.token, "GITHUB_API_URL": standin.url.absoluteString,
            ].merging(extraEnvironment) { _, extra in extra },
            hint: "build prenv first", output: roundDirectory.appendingPathComponent("serve.log"))
        prenv.append(try await run(server))
        server.stop()
        print(String(format: "intake ratio round %d: bare %.0f requests/s, p50 %.2f ms, p99 %.2f ms, CPU %.0f µs per delivery; "
                     + "prenv serve %.0f requests/s, p50 %.2f ms, p99 %.2f ms, CPU %.0f µs per delivery",
                     round, bare[round - 1].perSecond, bare[round - 1].p50, bare[round - 1].p99, bare[round - 1].cpuPerDelivery,
                     prenv[round - 1].perSecond, prenv[round - 1].p50, prenv[round - 1].p99, prenv[round - 1].cpuPerDelivery))
    }
    func median(_ values: [Double]) -> Double { percentile(values.sorted(), 0.5) }
    let throughput = median(zip(prenv, bare).map { $0.perSecond / $1.perSecond })
    let tail = median(zip(prenv, bare).map { $0.p99 / $1.p99 })
    let cpu = median(zip(prenv, bare).map { $0.cpuPerDelivery / $1.cpuPerDelivery })
    print(String(format: "intake ratio: %d signed pull_request deliveries (%.0f KB each), %d senders, servers pinned to CPU %d, %d rounds: "
                 + "prenv serve %.0f requests/s (bare %.0f), p99 %.2f ms (bare %.2f), CPU %.0f µs per delivery (bare %.0f); "
                 + "throughput %.2f× the bare server's, p99 %.2f×, CPU per delivery %.2f× (medians)",
                 events, Double(measured[0].body.count) / 1024, senders, serverCPU, rounds,
                 median(prenv.map(\.perSecond)), median(bare.map(\.perSecond)), median(prenv.map(\.p99)), median(bare.map(\.p99)),
                 median(prenv.map(\.cpuPerDelivery)), median(bare.map(\.cpuPerDelivery)), throughput, tail, cpu))
}

extension Data {
    /// `JSONSerialization` writes `/` as `\/`; GitHub does not, and a payload's URLs are full of them.
    func asGitHubWritesIt() -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: #"\/"#, with: "/").utf8)
    }
}

struct IntakeFigures {
    var perSecond: Double
    var p50: Double
    var p99: Double
    /// The server's user + system CPU time over the burst, including the work its answers set off
    /// (prenv's workers), divided by the deliveries: what the throughput ratio cannot show while
    /// neither server has its core to itself, or one waits on the disk.
    var cpuPerDelivery: Double = 0
}

/// A process's CPU time from `/proc/PID/stat` (`utime` + `stime`, in clock ticks).
enum ProcessCPU {
    /// Seconds of CPU `pid` has used, read once its use has stopped growing (less than 2 ms in a
    /// 200 ms interval, at most 30 s), so work still running after the last answer is counted.
    static func settled(pid: Int32) async throws -> Double {
        var last = try seconds(pid: pid)
        for _ in 0..<150 {
            try await Task.sleep(for: .milliseconds(200))
            let now = try seconds(pid: pid)
            if now - last < 0.002 { return now }
            last = now
        }
        return last
    }

    static func seconds(pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { throw BareIntakeFailure(description: "unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ')': state is field 3, so utime (14) and stime (15) are at offsets 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw BareIntakeFailure(description: "unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// Keeps this process (every thread, and those it starts later) off `cpu`, so the client's work
/// does not share the server's core.
func pinThisProcess(awayFrom cpu: Int, cpus: Int) throws {
    let others = (0..<cpus).filter { $0 != cpu }.map(String.init).joined(separator: ",")
    let taskset = Process()
    taskset.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
    taskset.arguments = ["-a", "-p", "-c", others, "\(ProcessInfo.processInfo.processIdentifier)"]
    taskset.standardOutput = FileHandle.nullDevice
    try taskset.run()
    taskset.waitUntilExit()
    guard taskset.terminationStatus == 0 else { throw BareIntakeFailure(description: "taskset could not pin the client to CPUs \(others)") }
}
