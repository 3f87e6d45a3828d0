import Crypto
import Foundation
import GitHub
import HTTPTransport
import Logging
import Orchestrator
import Supervisor
import WebhookSupport

/// prenv's own work per delivery, without HTTP or a disk: `WebhookIntake.receive` on one signed
/// `pull_request` body (~25 KB) into an inbox that only counts, one call after another. Beside it
/// in the same run, the floor every receiver pays (HMAC-SHA256 over the body) and the pieces of
/// the work, so a change to the hot path shows where its time went.
func benchmarkIntakeCPU(iterations: Int) async {
    let secret = "bench-cpu-secret"
    let body = (try? PullRequestPayload(action: "opened", repository: "acme/cpu", number: 1, headSHA: String(repeating: "c", count: 40)).json().asGitHubWritesIt()) ?? Data()
    let headers = WebhookFixtures.headers(body: body, signingSecret: secret, deliveryID: "cpu")
    var quiet = Logger(label: "prenv.bench")
    quiet.logLevel = .critical  // what a log line costs depends on where it goes; `intake-ratio` has serve's own
    let intake = WebhookIntake(secret: secret, inbox: CountingInbox(), isRelevant: { _ in true }, onRecorded: { _ in }, logger: quiet)
    let clock = ContinuousClock()
    var sink = 0

    func perCall(_ elapsed: Duration) -> Double { seconds(elapsed) / Double(iterations) * 1e6 }
    for _ in 0..<200 { sink &+= await intake.receive(headers: headers, body: body).status }
    let whole = perCall(await clock.measure {
        for _ in 0..<iterations { sink &+= await intake.receive(headers: headers, body: body).status }
    })
    let key = SymmetricKey(data: Data(secret.utf8))
    let hmac = perCall(clock.measure {
        for _ in 0..<iterations { sink &+= Int(HMAC<SHA256>.authenticationCode(for: body, using: key).withUnsafeBytes { $0[0] }) }
    })
    let decode = perCall(clock.measure {
        for _ in 0..<iterations { sink &+= (try? PullRequestEvent.decode(from: body))?.number ?? 0 }
    })
    let byJSONDecoder = perCall(clock.measure {
        for _ in 0..<iterations { sink &+= (try? PullRequestEvent.decodeByJSONDecoder(from: body))?.number ?? 0 }
    })
    let event = try? PullRequestEvent.decode(from: body)
    let contentKey = perCall(clock.measure {
        for _ in 0..<iterations { sink &+= event?.contentKey(event: "pull_request").utf8.count ?? 0 }
    })
    print(String(format: "intake cpu: %.1f µs per delivery in WebhookIntake.receive (%.0f KB body, counting inbox, %d calls); "
                 + "floor HMAC-SHA256 %.1f µs; of the work: PullRequestEvent decode %.1f µs (JSONDecoder alone %.1f µs), content key %.1f µs [%d]",
                 whole, Double(body.count) / 1024, iterations, hmac, decode, byJSONDecoder, contentKey, sink % 2))
}

/// Answers every append "recorded" and keeps nothing: the CPU figure leaves the disk out.
private actor CountingInbox: EventInbox {
    private var sequence: Int64 = 0
    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) -> InboxAppendResult {
        sequence += 1
        return .recorded(sequence: sequence)
    }
    func pending(key: String) -> [InboxEvent] { [] }
    func pendingKeys() -> [String] { [] }
    func markProcessed(key: String, through sequence: Int64) {}
    func prune(processedBefore date: Date) -> Int { 0 }
}
