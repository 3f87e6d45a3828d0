import AWSCore
import HTTPTransport
import AWSServices
import AWSSigV4
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

/// `prenv-benchmarks [sigv4|graph|calls|intake|writes]...` runs only the named groups (all by default).
let selected = Set(CommandLine.arguments.dropFirst())
func wanted(_ group: String) -> Bool { selected.isEmpty || selected.contains(group) }

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
    } catch {
        print("intake benchmark failed: \(error)")
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
