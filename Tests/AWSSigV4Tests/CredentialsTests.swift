import AWSSigV4
import Foundation
import Testing

@Suite("Credentials and session token")
struct CredentialsTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FwoGZXIvYXdzEXAMPLETOKEN//abc+def=="
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token,
        expiration: Date(timeIntervalSince1970: 1_440_938_160)
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let request = SigV4Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")])

    @Test("no textual representation leaks the secret or the token")
    func redaction() {
        var dumped = ""
        dump(Self.credentials, to: &dumped)
        let renderings = [
            Self.credentials.description, Self.credentials.debugDescription,
            "\(Self.credentials)", String(describing: Self.credentials), String(reflecting: Self.credentials),
            dumped, "\([Self.credentials])",
        ]
        for text in renderings {
            #expect(text.contains("AKIDEXAMPLE"), "\(text)")
            #expect(text.contains("redacted"), "\(text)")
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(Self.token), "\(text)")
            #expect(!text.contains("EXAMPLEKEY"), "\(text)")
        }
        #expect(Self.credentials.description == "AKIDEXAMPLE…(redacted)")
        #expect(Self.credentials.debugDescription.contains("20150830T123600Z"))
    }

    @Test("expiry check honours the refresh margin")
    func expiry() {
        let expires = Self.credentials.expiration ?? .distantPast
        #expect(!Self.credentials.isExpired(at: expires.addingTimeInterval(-60)))
        #expect(Self.credentials.isExpired(at: expires.addingTimeInterval(-60), margin: 300))
        #expect(Self.credentials.isExpired(at: expires))
        let longTerm = AWSCredentials(accessKeyID: "A", secretAccessKey: "S")
        #expect(!longTerm.isExpired(at: .distantFuture))
    }

    @Test("signed session token is in SignedHeaders and replaces a stale header")
    func signedToken() {
        var request = Self.request
        request.headers.append(("x-amz-security-token", "stale-token"))
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "sts")
        let headers = signer.signedHeaders(for: request, date: Self.date)
        #expect(headers.map(\.name) == ["X-Amz-Date", "X-Amz-Security-Token", "Authorization"])
        #expect(headers[1].value == Self.token)
        #expect(headers[2].value.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(!signer.canonicalRequest(for: request, date: Self.date).contains("stale-token"))

        let signed = signer.signedRequest(request, date: Self.date)
        let tokens = signed.headers.filter { $0.name.lowercased() == "x-amz-security-token" }.map(\.value)
        #expect(tokens == [Self.token])
    }

    @Test("unsigned session token is still returned but not signed")
    func unsignedToken() {
        var options = SigV4Signer.Options.default
        options.signSessionToken = false
        let signer = SigV4Signer(credentials: Self.credentials, region: "us-east-1", service: "sts", options: options)
        let headers = signer.signedHeaders(for: Self.request, date: Self.date)
        #expect(headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == Self.token })
        let authorization = headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("SignedHeaders=host;x-amz-date,"))

        let plain = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret),
            region: "us-east-1", service: "sts"
        )
        // Adding the token after signing must not change the signature.
        #expect(plain.authorization(for: Self.request, date: Self.date) == authorization)
    }

    @Test("long-term credentials add no token header")
    func noToken() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: Self.secret),
            region: "eu-west-1", service: "ec2"
        )
        let headers = signer.signedHeaders(for: Self.request, date: Self.date)
        #expect(headers.map(\.name) == ["X-Amz-Date", "Authorization"])
        #expect(headers[1].value.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/ec2/aws4_request, "))
        #expect(signer.credentialScope(date: Self.date) == "20150830/eu-west-1/ec2/aws4_request")
    }
}
