import Foundation
import GitHub
import Testing

@Suite struct WebhookSignatureTests {
    struct Vector: Decodable {
        var secret: String
        var payload: String
        var expected_signature: String
    }

    func vector() throws -> Vector {
        try JSONDecoder().decode(Vector.self, from: SharedFixtures.data("fixtures/github-webhooks/signature-test-vector.json"))
    }

    @Test func githubsDocumentedVectorVerifies() throws {
        let v = try vector()
        #expect(WebhookSignature.verify(body: Data(v.payload.utf8), header: v.expected_signature, secret: Data(v.secret.utf8)) == .valid)
        #expect(WebhookSignature.sign(body: Data(v.payload.utf8), secret: Data(v.secret.utf8)) == v.expected_signature)
    }

    @Test func uppercaseHexAndSurroundingSpacesAreAccepted() throws {
        let v = try vector()
        let header = " sha256=" + v.expected_signature.dropFirst(7).uppercased() + " "
        #expect(WebhookSignature.verify(body: Data(v.payload.utf8), header: header, secret: Data(v.secret.utf8)) == .valid)
    }

    /// Only HTTP's optional whitespace (space, tab) is trimmed; anything else around or inside the
    /// value (a no-break space, a zero-width space, CR/LF, a space after `=`) makes it malformed.
    @Test func onlySpacesAndTabsAroundTheValueAreTrimmed() throws {
        let v = try vector()
        let body = Data(v.payload.utf8), secret = Data(v.secret.utf8)
        #expect(WebhookSignature.verify(body: body, header: "\t " + v.expected_signature + "\t", secret: secret) == .valid)
        for header in ["\u{00A0}" + v.expected_signature, v.expected_signature + "\u{200B}", v.expected_signature + "\r\n",
                       "sha256= " + v.expected_signature.dropFirst(7), "SHA256=" + v.expected_signature.dropFirst(7), " \t "] {
            #expect(WebhookSignature.verify(body: body, header: header, secret: secret) == .malformedHeader, "\(header.debugDescription)")
        }
    }

    @Test func wrongSecretOrAlteredBodyIsAMismatch() throws {
        let v = try vector()
        #expect(WebhookSignature.verify(body: Data(v.payload.utf8), header: v.expected_signature, secret: Data("other".utf8)) == .mismatch)
        #expect(WebhookSignature.verify(body: Data("Hello, World?".utf8), header: v.expected_signature, secret: Data(v.secret.utf8)) == .mismatch)
    }

    @Test func missingAndMalformedHeadersAreTyped() {
        let body = Data("x".utf8), secret = Data("s".utf8)
        #expect(WebhookSignature.verify(body: body, header: nil, secret: secret) == .missingHeader)
        for header in ["", "sha256=", "sha1=" + String(repeating: "a", count: 40), "sha256=zz" + String(repeating: "a", count: 62),
                       "sha256=" + String(repeating: "a", count: 63), "sha256=" + String(repeating: "a", count: 66)] {
            #expect(WebhookSignature.verify(body: body, header: header, secret: secret) == .malformedHeader, "\(header)")
        }
    }

    /// Real payload files signed here over their exact bytes, as GitHub would.
    @Test func everyPullRequestFixtureVerifiesOverItsRawBytes() throws {
        let secret = Data("prenv-test-secret".utf8)
        for file in try SharedFixtures.jsonFiles(in: "fixtures/github-webhooks/pull_request") {
            let body = try Data(contentsOf: file)
            let header = WebhookSignature.sign(body: body, secret: secret)
            #expect(WebhookSignature.verify(body: body, header: header, secret: secret) == .valid, "\(file.lastPathComponent)")
            var tampered = body
            tampered.append(0x0A)
            #expect(WebhookSignature.verify(body: tampered, header: header, secret: secret) == .mismatch)
        }
    }
}
