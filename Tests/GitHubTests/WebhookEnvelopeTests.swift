import HTTPTransport
import Foundation
import GitHub
import Testing

@Suite struct WebhookEnvelopeTests {
    let secret = Data("envelope-secret".utf8)

    @Test func jsonDeliveryKeepsRawBodyAsPayload() throws {
        let body = try SharedFixtures.data("fixtures/github-webhooks/pull_request/synchronize.payload.json")
        let headers: HTTPHeaders = [
            "x-github-event": "pull_request", "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "Content-Type": "application/json", "X-Hub-Signature-256": WebhookSignature.sign(body: body, secret: secret),
        ]
        let envelope = try WebhookEnvelope(headers: headers, body: body)
        #expect(envelope.event == "pull_request")
        #expect(envelope.deliveryID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        #expect(envelope.payload == body)
        #expect(envelope.verify(secret: secret) == .valid)
        #expect(try PullRequestEvent.decode(from: envelope.payload).action == "synchronize")
    }

    /// Form-encoded hooks sign the encoded body; the JSON inside must be URL-decoded (`+` = space).
    @Test func formEncodedDeliveryIsDecodedAndSignedRaw() throws {
        let json = try SharedFixtures.data("fixtures/github-webhooks/pull_request/opened.payload.json")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = try #require(String(decoding: json, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: allowed))
        let body = Data(("payload=" + encoded.replacingOccurrences(of: "%20", with: "+")).utf8)
        let headers: HTTPHeaders = [
            "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1",
            "Content-Type": "application/x-www-form-urlencoded", "X-Hub-Signature-256": WebhookSignature.sign(body: body, secret: secret),
        ]
        let envelope = try WebhookEnvelope(headers: headers, body: body)
        #expect(envelope.payload == json)
        #expect(envelope.verify(secret: secret) == .valid)
        #expect(WebhookSignature.verify(body: envelope.payload, header: envelope.signature, secret: secret) == .mismatch)
    }

    @Test func missingHeadersAndFormFieldAreTyped() {
        #expect(throws: WebhookEnvelope.Failure.missingHeader("X-GitHub-Event")) {
            try WebhookEnvelope(headers: ["X-GitHub-Delivery": "d"], body: Data())
        }
        #expect(throws: WebhookEnvelope.Failure.missingHeader("X-GitHub-Delivery")) {
            try WebhookEnvelope(headers: ["X-GitHub-Event": "ping"], body: Data())
        }
        #expect(throws: WebhookEnvelope.Failure.missingFormPayload) {
            try WebhookEnvelope(headers: ["X-GitHub-Event": "ping", "X-GitHub-Delivery": "d", "Content-Type": "application/x-www-form-urlencoded"],
                                body: Data("other=1".utf8))
        }
    }

    /// The id keys the inbox: an over-long or odd one is a 400, never stored (a huge id once made
    /// PostgreSQL's index refuse the row, which answered 503 and invited endless redelivery).
    @Test(arguments: [String(repeating: "a", count: 129), "has space", "tab\tinside", "ünïcode", "\u{202E}rtl"])
    func malformedDeliveryIDsAreRefused(id: String) {
        #expect(throws: WebhookEnvelope.Failure.malformedDeliveryID(length: id.count)) {
            try WebhookEnvelope(headers: ["X-GitHub-Event": "ping", "X-GitHub-Delivery": id], body: Data())
        }
    }

    @Test func deliveryIDsUpTo128PrintableCharactersAreKept() throws {
        for id in [String(repeating: "f", count: 128), "72d3162e-cc78-11e3-81ab-4c9367dc0958", "x", "a!~{}"] {
            #expect(try WebhookEnvelope(headers: ["X-GitHub-Event": "ping", "X-GitHub-Delivery": id], body: Data()).deliveryID == id)
        }
    }
}
