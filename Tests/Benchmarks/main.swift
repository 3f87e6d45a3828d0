import AWSCore
import HTTPTransport
import AWSServices
import AWSSigV4
import Crypto
import Foundation
import LocalAWSSupport

// Benchmarks print their figures; they assert nothing. Run with `make bench` (release build, local endpoint up).
// Quoted in BENCHMARKS.md together with the machine they ran on.

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// SigV4 cost per request for a typical JSON 1.1 call (1 KiB body, hashed each time as the client does).
func benchmarkSigning() {
    let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "token")
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "codebuild")
    let body = Data(repeating: UInt8(ascii: "x"), count: 1024)
    let url = URL(string: "https://codebuild.us-east-1.amazonaws.com/")!
    let headers: [(name: String, value: String)] = [
        ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "CodeBuild_20161006.BatchGetProjects"),
        ("Host", "codebuild.us-east-1.amazonaws.com"),
    ]
    let date = Date(timeIntervalSince1970: 1_700_000_000)
    let iterations = Int(ProcessInfo.processInfo.environment["PRENV_BENCH_SIGV4_ITERATIONS"] ?? "") ?? 50_000
    var sink = 0
    for _ in 0..<1000 { sink &+= signer.signedHeaders(for: SigV4Request(method: "POST", url: url, headers: headers, body: body), date: date).count }
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for _ in 0..<iterations {
            let request = SigV4Request(method: "POST", url: url, headers: headers, body: body)
            sink &+= signer.signedHeaders(for: request, date: date).count
        }
    }
    let perRequest = seconds(elapsed) / Double(iterations) * 1e6
    print(String(format: "sigv4: %.2f µs per signed request (1 KiB body incl. SHA-256), %d iterations [%d]", perRequest, iterations, sink % 2))

    // The floor, in the same run: one SHA-256 of the body plus one HMAC chain (the four-step key
    // derivation and the signature's MAC over a string-to-sign-sized message), straight through
    // swift-crypto with nothing else around it.
    let secret = Array("AWS4\(credentials.secretAccessKey)".utf8)
    let scope = [Array("20231114".utf8), Array("us-east-1".utf8), Array("codebuild".utf8), Array("aws4_request".utf8)]
    let stringToSign = [UInt8](repeating: UInt8(ascii: "s"), count: 150)
    let floorElapsed = clock.measure {
        for _ in 0..<iterations {
            var digest = Array(SHA256.hash(data: body))
            var key = SymmetricKey(data: secret)
            for part in scope { key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: part, using: key)) }
            digest += HMAC<SHA256>.authenticationCode(for: stringToSign, using: key)
            sink &+= Int(digest[0])
        }
    }
    let floor = seconds(floorElapsed) / Double(iterations) * 1e6
    print(String(format: "sigv4 floor: %.2f µs per SHA-256(1 KiB) + HMAC chain; signing / floor = %.2f [%d]", floor, perRequest / floor, sink % 2))

    // The same hashing with the HMAC API's overhead removed: SHA-256 of the body plus the ten
    // SHA-256 runs of five HMACs (pad block + message, pad block + inner digest), on bare hashers.
    let pad = [UInt8](repeating: 0x36, count: 64)
    let bareElapsed = clock.measure {
        for _ in 0..<iterations {
            var total = Int(Array(SHA256.hash(data: body))[0])
            for message in scope + [stringToSign] {
                var inner = SHA256()
                inner.update(data: pad)
                inner.update(data: message)
                var outer = SHA256()
                outer.update(data: pad)
                outer.update(data: Array(inner.finalize()))
                total &+= Int(Array(outer.finalize())[0])
            }
            sink &+= total
        }
    }
    let bare = seconds(bareElapsed) / Double(iterations) * 1e6
    print(String(format: "sigv4 hash-only floor: %.2f µs (same hashing on bare SHA256); signing / hash-only floor = %.2f [%d]", bare, perRequest / bare, sink % 2))

    // As AWSClient signs: a new signer per request (credentials may have been refreshed).
    let perSignerElapsed = clock.measure {
        for _ in 0..<iterations {
            let fresh = SigV4Signer(credentials: credentials, region: "us-east-1", service: "codebuild")
            sink &+= fresh.signedHeaders(for: SigV4Request(method: "POST", url: url, headers: headers, body: body), date: date).count
        }
    }
    print(String(format: "sigv4 with a new signer per request (as AWSClient): %.2f µs [%d]", seconds(perSignerElapsed) / Double(iterations) * 1e6, sink % 2))
}

/// End-to-end calls per second against the local endpoint, through the full client (sign, send, decode).
func benchmarkCalls(name: String, total: Int, concurrency: Int, _ call: @escaping @Sendable () async throws -> Void) async throws {
    for _ in 0..<20 { try await call() } // warm connections and moto
    let clock = ContinuousClock()
    let started = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var mine: [Double] = []
                var index = worker
                while index < total {
                    let callStart = clock.now
                    try await call()
                    mine.append(seconds(callStart.duration(to: clock.now)) * 1000)
                    index += concurrency
                }
                return mine
            }
        }
        var all: [Double] = []
        for try await part in group { all += part }
        return all.sorted()
    }
    let wall = seconds(started.duration(to: clock.now))
    print(String(format: "%@: %d calls, concurrency %d: %.0f calls/s, p50 %.2f ms, p99 %.2f ms",
                 name, total, concurrency, Double(total) / wall, percentile(latencies, 0.5), percentile(latencies, 0.99)))
}

// The intake ratio's reference server is this binary too, so it can be pinned beside `prenv serve`.
if CommandLine.arguments.dropFirst().first == "bare-intake-server" {
    do {
        try await BareIntakeServer.run(arguments: Array(CommandLine.arguments.dropFirst(2)))
        exit(0)
    } catch {
        print("bare-intake-server: \(error)")
        exit(1)
    }
}

/// `prenv-benchmarks [sigv4|graph|calls|intake|intake-cpu|intake-ratio|writes|drain|memory|transport-heap|gauge-states]...` runs only the named groups (all by default).
let selected = Set(CommandLine.arguments.dropFirst())
/// `intake-ratio`, `drain` and `memory` (minutes each, a release `prenv`) run only when named.
func wanted(_ group: String) -> Bool { selected.isEmpty ? !["intake-ratio", "drain", "memory"].contains(group) : selected.contains(group) }

if wanted("sigv4") { benchmarkSigning() }
if wanted("graph") {
    await benchmarkWalkerOverhead()
    await benchmarkMakespan()
}
if wanted("calls") {
do {
    try await LocalAWS.requireRunning()
    let client = LocalAWS.client(retryPolicy: .none)
    let sts = STS(client: client)
    let codeBuild = CodeBuild(client: client)
    for concurrency in [1, 8] {
        try await benchmarkCalls(name: "sts GetCallerIdentity (Query+XML)", total: 500, concurrency: concurrency) {
            _ = try await sts.getCallerIdentity()
        }
        try await benchmarkCalls(name: "codebuild BatchGetProjects (JSON 1.1)", total: 500, concurrency: concurrency) {
            _ = try await codeBuild.batchGetProjects(names: ["prenv-bench-missing"])
        }
    }
} catch {
    print("end-to-end benchmarks failed: \(error)")
    exit(1)
}
}
if wanted("intake") {
    do {
        for concurrency in [1, 16, 64] { try await benchmarkIntake(events: 500, concurrency: concurrency) }
        for concurrency in [16, 64] { try await benchmarkIntake(events: 500, concurrency: concurrency, stateWrites: true) }
        for replicas in [1, 3] {
            for concurrency in [1, 16, 64] { try await benchmarkPostgresIntake(events: 500, concurrency: concurrency, replicas: replicas) }
        }
        for concurrency in [16, 64] { try await benchmarkPostgresIntake(events: 500, concurrency: concurrency, replicas: 1, stateWrites: true) }
    } catch {
        print("intake benchmark failed: \(error)")
        exit(1)
    }
}
if wanted("intake-cpu") {
    await benchmarkIntakeCPU(iterations: Int(ProcessInfo.processInfo.environment["PRENV_BENCH_CPU_ITERATIONS"] ?? "") ?? 5000)
}
if wanted("intake-ratio") {
    do {
        let environment = ProcessInfo.processInfo.environment
        try await benchmarkIntakeRatio(events: Int(environment["PRENV_BENCH_RATIO_EVENTS"] ?? "") ?? 3000,
                                       senders: Int(environment["PRENV_BENCH_RATIO_SENDERS"] ?? "") ?? 32,
                                       rounds: Int(environment["PRENV_BENCH_RATIO_ROUNDS"] ?? "") ?? 3)
    } catch {
        print("intake ratio benchmark failed: \(error)")
        exit(1)
    }
}
if wanted("writes") {
    do {
        let scale = Double(ProcessInfo.processInfo.environment["PRENV_BENCH_WRITES_SCALE"] ?? "") ?? 60
        for detail in (ProcessInfo.processInfo.environment["PRENV_BENCH_WRITES_DETAIL"] ?? "stages,summary").split(separator: ",") {
            try await benchmarkWriteBudget(scale: scale, detail: String(detail))
        }
    } catch {
        print("write-budget simulation failed: \(error)")
        exit(1)
    }
}
if wanted("drain") {
    do {
        try await benchmarkDrain()
    } catch {
        print("drain benchmark failed: \(error)")
        exit(1)
    }
}
if wanted("gauge-states") {
    do {
        let environment = ProcessInfo.processInfo.environment
        try await benchmarkGaugeStates(environments: Int(environment["PRENV_BENCH_GAUGE_ENVIRONMENTS"] ?? "") ?? 10_000,
                                       rounds: Int(environment["PRENV_BENCH_GAUGE_ROUNDS"] ?? "") ?? 5)
    } catch {
        print("gauge states benchmark failed: \(error)")
        exit(1)
    }
}
if wanted("transport-heap") {
    do {
        let environment = ProcessInfo.processInfo.environment
        try await benchmarkTransportHeap(requests: Int(environment["PRENV_BENCH_TRANSPORT_REQUESTS"] ?? "") ?? 20_000,
                                         concurrency: Int(environment["PRENV_BENCH_TRANSPORT_CONCURRENCY"] ?? "") ?? 8)
    } catch {
        print("transport heap benchmark failed: \(error)")
        exit(1)
    }
}
if wanted("memory") {
    do {
        let environment = ProcessInfo.processInfo.environment
        try await benchmarkMemory(environments: Int(environment["PRENV_BENCH_MEMORY_ENVIRONMENTS"] ?? "") ?? 1000,
                                  webhooks: Int(environment["PRENV_BENCH_MEMORY_WEBHOOKS"] ?? "") ?? 10_000,
                                  batch: Int(environment["PRENV_BENCH_MEMORY_BATCH"] ?? "") ?? 0)
    } catch {
        print("memory benchmark failed: \(error)")
        exit(1)
    }
}
