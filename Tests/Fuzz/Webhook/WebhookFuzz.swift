import Foundation
import FuzzSupport
import GitHub
import HTTPTransport
import Supervisor

/// A webhook body as intake reads it: signature check over the raw bytes, the envelope (JSON and
/// form-encoded), then the `pull_request`, `push` and `issue_comment` decoders and what intake derives
/// from them (sequence, keys, command). Every body is tried as every event: the decoders must refuse,
/// never crash.
@main
enum WebhookFuzz {
    static let secret = Data("fuzz-webhook-secret".utf8)

    static func main() {
        FuzzDriver.run("webhook") { bytes, count in
            WebhookFuzz.check(FuzzDriver.data(bytes, count))
            return 0
        }
    }

    static func check(_ body: Data) {
        // The signature GitHub would send verifies; the body's own first line as a header never crashes.
        let signature = WebhookSignature.sign(body: body, secret: secret)
        guard WebhookSignature.verify(body: body, header: signature, secret: secret) == .valid else {
            FuzzDriver.fail("a body's own signature does not verify")
        }
        let firstLine = String(decoding: body.prefix(while: { $0 != 0x0A }).prefix(80), as: UTF8.self)
        if WebhookSignature.verify(body: body, header: firstLine, secret: secret) == .valid {
            FuzzDriver.fail("a header taken from the body verified")
        }

        for contentType in ["application/json", "application/x-www-form-urlencoded"] {
            let headers: HTTPHeaders = [
                "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
                "X-Hub-Signature-256": signature, "Content-Type": contentType,
            ]
            guard let envelope = try? WebhookEnvelope(headers: headers, body: body) else { continue }
            guard envelope.verify(secret: secret) == .valid else { FuzzDriver.fail("envelope signature did not verify") }
            decode(envelope.payload)
        }
    }

    static func decode(_ payload: Data) {
        // The one-pass reader answers exactly as JSONDecoder does, or leaves the answer to it.
        let decoded = Result { () throws(WebhookPayloadError) in try PullRequestEvent.decode(from: payload) }
        if decoded != Result(catching: { () throws(WebhookPayloadError) in try PullRequestEvent.decodeByJSONDecoder(from: payload) }) {
            FuzzDriver.fail("PullRequestEvent.decode disagrees with JSONDecoder")
        }
        if let event = try? decoded.get() {
            _ = event.inboxKey
            _ = event.isFromFork
            _ = event.contentKey(event: "pull_request")
            if let sequence = event.sequence { _ = event.snapshot(sequence: sequence) }
            _ = event.context
        }
        if let event = try? PushEvent.decode(from: payload) {
            _ = event.movedBranch
            _ = event.previousCommit
        }
        if let event = try? IssueCommentEvent.decode(from: payload) {
            _ = event.inboxKey
            _ = event.ignoredReason
            _ = event.command?.text
            _ = event.contentKey(event: "issue_comment")
            _ = event.staleReason(at: Date(timeIntervalSince1970: 1_700_000_000))
        }
    }
}
