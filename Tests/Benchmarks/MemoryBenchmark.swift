import AWSServices
import Foundation
import HTTPTransport
import LocalAWSSupport
import TestServices
import WebhookSupport

/// Resident memory of a real `prenv serve` (the binary in `PRENV_BENCH_PRENV`, the release build by
/// default) holding many live environments of a one-node blueprint (an S3 prefix), against the local
/// endpoint and the GitHub stand-in: idle, after `environments` PRs are ready, and after every PR
/// was pushed to again and again until `webhooks` deliveries in all (no growth is expected there
/// beyond caches with bounds). Prints KiB per live environment above idle.
///
/// It also prints prenv's own time per environment: the time from the delivery's `202` until the
/// environment is ready, less the AWS time on its critical path (the one node's calls, from the
/// server's own AWS request metrics). RSS is read from `/proc/PID/status` once the server has been
/// quiet for `settle` (longer than `HeapReturn.trimInterval`, so its heap trim has run).
///
/// `batch` 0 opens every PR in one burst (16 deliveries in flight): the Monday-morning case, where
/// what the burst freed between the environments' live blocks stays resident. A `batch` of N opens
/// N PRs and waits until they are ready before the next N, as PRs accumulate over days: what each
/// live environment itself costs.
func benchmarkMemory(environments: Int, webhooks: Int, batch: Int = 0, settle: Duration = .seconds(35)) async throws {
    try await LocalAWS.requireRunning()
    let binary = ProcessInfo.processInfo.environment["PRENV_BENCH_PRENV"] ?? ".build/release/prenv"
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        throw MemoryBenchmarkFailure(description: "no prenv binary at \(binary): `swift build -c release --product prenv`, or set PRENV_BENCH_PRENV")
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-bench-memory-\(UUID().uuidString)")
    let blueprints = directory.appendingPathComponent("blueprints")
    try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }

    let accessKey = LocalAWS.uniqueAccessKey()
    let client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey))
    let bucket = LocalAWS.uniqueName("prenv-bench-mem")
    try await S3(client: client).createBucket(bucket)
    try """
    name: mem
    on:
      repositories: ["acme/*"]
    resources:
      artifacts:
        type: aws/s3-prefix
        properties:
          bucket: \(bucket)
          prefix: "${env.name}/"
    """.write(to: blueprints.appendingPathComponent("mem.yaml"), atomically: true, encoding: .utf8)

    let standin = try await StandinProcess()
    defer { standin.stop() }
    let secret = "bench-memory-secret"
    let server = try await ServiceProcess(
        executable: binary,
        arguments: ["serve", "--port", "0", "--blueprints", blueprints.path,
                    "--state", "sqlite:" + directory.appendingPathComponent("state.sqlite").path,
                    "--poll-interval", "0.5", "--log-level", "warning"],
        environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": directory.path,
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "bench-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_WEBHOOK_SECRET": secret,
            "GITHUB_TOKEN": standin.token, "GITHUB_API_URL": standin.url.absoluteString,
        ].merging(ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix("MALLOC_") || $0.key.hasPrefix("GLIBC_") }) { $1 },
        hint: "build prenv first", output: directory.appendingPathComponent("serve.log"))
    defer { server.stop() }
    let transport = CurlTransport(timeout: .seconds(60))
    let webhookURL = server.url.appendingPathComponent("webhooks/github")

    try await Task.sleep(for: settle)
    let idle = try residentKiB(pid: server.pid)
    print("memory: idle resident anonymous: \(anonymousBreakdownText(pid: server.pid))")

    var sent = 0
    /// Sends one delivery per PR in `prs` (`shaRound` names the head), 16 in flight.
    func sendRound(_ action: String, prs: ClosedRange<Int>, shaRound: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = prs.lowerBound
            func add() {
                let pr = next
                next += 1
                group.addTask { try await send(action, pr: pr, shaRound: shaRound) }
            }
            for _ in 0..<min(16, prs.count) { add() }
            while try await group.next() != nil {
                if next <= prs.upperBound { add() }
            }
        }
        sent += prs.count
    }
    @Sendable func send(_ action: String, pr: Int, shaRound: Int) async throws {
        let payload = PullRequestPayload(action: action, repository: "acme/svc-\(pr % 50)", number: pr,
                                         headSHA: memorySHA(pr: pr, round: shaRound), updatedAt: WebhookFixtures.timestamp(shaRound * 10))
        let body = try payload.json()
        let request = HTTPRequest(method: "POST", url: webhookURL, headers: WebhookFixtures.headers(body: body, signingSecret: secret), body: body)
        let response = try await transport.send(request)
        guard response.status == 202 else {
            throw MemoryBenchmarkFailure(description: "delivery for #\(pr) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
    }
    func environmentStates() async throws -> [[String: Any]] {
        let response = try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("api/environments")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return object?["environments"] as? [[String: Any]] ?? []
    }
    /// The sum of the `/metrics` samples whose line starts with `prefix`.
    func metric(_ prefix: String) async throws -> Double {
        let response = try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("metrics")))
        return String(decoding: response.body, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(prefix) }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }
    func awsSeconds() async throws -> Double { try await metric("prenv_aws_request_duration_seconds_sum") }
    /// malloc's bytes in use and free-but-kept (`prenv_heap_bytes`), in KiB.
    func heapKiB() async throws -> (inUse: Int, free: Int) {
        (Int(try await metric("prenv_heap_bytes{kind=\"in_use\"}") / 1024), Int(try await metric("prenv_heap_bytes{kind=\"free\"}") / 1024))
    }

    // prenv's own time: a few environments one after another, each from its 202 until the API says
    // ready (polled every 5 ms), less the AWS request time the server's metrics add meanwhile.
    let solo = min(20, environments)
    var overheads: [Double] = []
    for pr in 1...solo {
        let awsBefore = try await awsSeconds()
        try await send("opened", pr: pr, shaRound: 0)
        let started = ContinuousClock.now
        while try await !environmentStates().contains(where: { $0["pr"] as? Int == pr && $0["state"] as? String == "ready" }) {
            guard started.duration(to: .now) < .seconds(120) else { throw MemoryBenchmarkFailure(description: "#\(pr) not ready after 120 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let makespan = seconds(started.duration(to: .now))
        overheads.append(makespan - (try await awsSeconds() - awsBefore))
    }
    sent += solo
    overheads.sort()
    print(String(format: "overhead: prenv's own time per environment (202 → ready, less AWS time), %d one after another: p50 %.1f ms, max %.1f ms",
                 solo, percentile(overheads, 0.5) * 1000, (overheads.last ?? 0) * 1000))
    // After those every code path has run once: what grows from here is per environment.
    try await Task.sleep(for: settle)
    let warm = try residentKiB(pid: server.pid)
    print("memory: warm resident anonymous: \(anonymousBreakdownText(pid: server.pid))")
    let warmHeap = try await heapKiB()

    /// How often the burst's end is polled (`PRENV_BENCH_MEMORY_POLL` seconds, 0.5 by default): each
    /// poll has the server build its whole `/api/environments` answer, as a dashboard's refresh does.
    let readyPoll = Duration.milliseconds(Int((Double(ProcessInfo.processInfo.environment["PRENV_BENCH_MEMORY_POLL"] ?? "") ?? 0.5) * 1000))
    /// Polls `/api/environments` until every PR is ready at the round's head; returns the seconds taken.
    func waitReady(shaRound: Int) async throws -> Double {
        let started = ContinuousClock.now
        let deadline = started + .seconds(1800)
        var ready = 0
        while ContinuousClock.now < deadline {
            ready = try await environmentStates().filter { environment in
                guard let pr = environment["pr"] as? Int else { return false }
                return environment["state"] as? String == "ready" && environment["head_sha"] as? String == memorySHA(pr: pr, round: shaRound)
            }.count
            if ready == environments { return seconds(started.duration(to: .now)) }
            try await Task.sleep(for: readyPoll)
        }
        throw MemoryBenchmarkFailure(description: "only \(ready) of \(environments) environments ready at round \(shaRound) after 30 minutes")
    }

    /// Waits until the server's `prenv_environments{state="ready"}` gauge says `count` (cheaper for
    /// the server than the whole `/api/environments` answer, which matters at 10,000 environments).
    func waitReadyCount(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(600)
        while try await Int(metric("prenv_environments{state=\"ready\"}")) < count {
            guard ContinuousClock.now < deadline else { throw MemoryBenchmarkFailure(description: "fewer than \(count) environments ready after 10 minutes") }
            try await Task.sleep(for: .seconds(1))
        }
    }

    let sendStarted = ContinuousClock.now
    if batch > 0 {
        var opened = solo
        while opened < environments {
            let upTo = min(environments, opened + batch)
            try await sendRound("opened", prs: (opened + 1)...upTo, shaRound: 0)
            try await waitReadyCount(upTo)
            opened = upTo
        }
    } else if solo < environments {
        try await sendRound("opened", prs: (solo + 1)...environments, shaRound: 0)
    }
    let sendSeconds = seconds(sendStarted.duration(to: .now))
    let drain = try await waitReady(shaRound: 0)
    try await Task.sleep(for: settle)
    let live = try residentKiB(pid: server.pid)
    print("memory: \(environments) live resident anonymous: \(anonymousBreakdownText(pid: server.pid))")
    let liveHeap = try await heapKiB()
    let counts = try await LocalAWS.callCounts(accessKey: accessKey)
    func mib(_ kib: Int) -> Double { Double(kib) / 1024 }
    print(String(format: "memory: idle %.1f MiB (anonymous %.1f, %d threads); warm with %d environments %.1f MiB (%.1f, %d); %d environments %.1f MiB (%.1f, %d)",
                 mib(idle.total), mib(idle.anonymous), idle.threads, solo, mib(warm.total), mib(warm.anonymous), warm.threads,
                 environments, mib(live.total), mib(live.anonymous), live.threads))
    print(String(format: "memory: %.1f KiB per environment above idle; %.1f KiB (anonymous %.1f) per environment above warm (opened in %.1f s %@, all ready %.1f s later; %d AWS calls)",
                 Double(live.total - idle.total) / Double(environments),
                 Double(live.total - warm.total) / Double(max(1, environments - solo)), Double(live.anonymous - warm.anonymous) / Double(max(1, environments - solo)),
                 sendSeconds, batch > 0 ? "in batches of \(batch), each waited for" : "at once", drain, counts.values.reduce(0, +)))
    // What the heap holds against what it keeps free: the rest of the resident growth is pages a trim
    // could not return (freed chunks sharing a page with live ones).
    print(String(format: "memory: heap in use %.1f KiB per environment above warm (%.1f → %.1f MiB); free inside the heap %.1f → %.1f MiB",
                 Double(liveHeap.inUse - warmHeap.inUse) / Double(max(1, environments - solo)),
                 mib(warmHeap.inUse), mib(liveHeap.inUse), mib(warmHeap.free), mib(liveHeap.free)))

    var round = 1
    while sent < webhooks {
        try await sendRound("synchronize", prs: 1...environments, shaRound: round)
        _ = try await waitReady(shaRound: round)
        round += 1
    }
    try await Task.sleep(for: settle)
    let after = try residentKiB(pid: server.pid)
    print("memory: after webhooks resident anonymous: \(anonymousBreakdownText(pid: server.pid))")
    let afterHeap = try await heapKiB()
    print(String(format: "memory: after %d webhooks (%d pushes per PR) %.1f MiB (anonymous %.1f): %+.1f MiB against %d live environments; heap in use %+.1f MiB",
                 sent, round - 1, mib(after.total), mib(after.anonymous), mib(after.total - live.total), environments,
                 mib(afterHeap.inUse - liveHeap.inUse)))
}

func memorySHA(pr: Int, round: Int) -> String {
    String(format: "%08x%08x", pr, round) + String(repeating: "0", count: 24)
}

/// Resident memory of a process in KiB, from `/proc/PID/status`: all of it (`VmRSS`) and its
/// anonymous part (`RssAnon`: the heap, stacks; not the binary's pages, which grow as code first runs).
func residentKiB(pid: Int32) throws -> (total: Int, anonymous: Int, threads: Int) {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    func field(_ name: String) throws -> Int {
        for line in status.split(separator: "\n") where line.hasPrefix(name + ":") {
            if let value = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first, let kib = Int(value) { return kib }
        }
        throw MemoryBenchmarkFailure(description: "no \(name) for process \(pid)")
    }
    return (try field("VmRSS"), try field("RssAnon"), try field("Threads"))
}

/// Where a process's anonymous resident memory is, in KiB, from `/proc/PID/smaps`: the main heap
/// (`[heap]`), glibc's other arenas (anonymous mappings starting on a 64 MiB boundary, glibc's
/// `HEAP_MAX_SIZE`), thread stacks (8 MiB mappings) and the rest (mmapped large blocks, the Swift
/// runtime's own). Tells fragmentation in an arena apart from stacks touched during a burst.
func anonymousBreakdownKiB(pid: Int32) throws -> [(String, Int)] {
    // Read to the end: `String(contentsOfFile:)` trusts the size /proc reports (none) and stops early.
    guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps") else { throw MemoryBenchmarkFailure(description: "no smaps for \(pid)") }
    defer { try? handle.close() }
    let smaps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    var totals: [String: Int] = [:]
    var kind: String?
    for line in smaps.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if let range = fields.first, range.contains("-"), fields.count >= 5 {
            let path = fields.count > 5 ? String(fields[5]) : ""
            let bounds = range.split(separator: "-").compactMap { UInt64($0, radix: 16) }
            guard bounds.count == 2, path.isEmpty || path == "[heap]" || path == "[stack]" else { kind = nil; continue }
            let size = (bounds[1] - bounds[0]) / 1024
            kind = path == "[heap]" ? "main heap" : path == "[stack]" ? "stacks"
                : bounds[0] % (64 << 20) == 0 ? "arenas" : (8_180...8_192).contains(size) ? "stacks" : "other"
        } else if let kind, fields.first == "Rss:", fields.count >= 2, let kib = Int(fields[1]) {
            totals[kind, default: 0] += kib
        }
    }
    return ["main heap", "arenas", "stacks", "other"].map { ($0, totals[$0] ?? 0) }
}

/// `anonymousBreakdownKiB` as one line, in MiB.
func anonymousBreakdownText(pid: Int32) -> String {
    guard let parts = try? anonymousBreakdownKiB(pid: pid) else { return "(no smaps)" }
    return parts.map { String(format: "%@ %.1f", $0.0, Double($0.1) / 1024) }.joined(separator: ", ") + " MiB"
}

struct MemoryBenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}
