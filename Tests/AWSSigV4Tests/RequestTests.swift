import AWSSigV4
import Foundation
import Testing

@Suite("SigV4Request")
struct RequestTests {
    static func host(_ request: SigV4Request) -> String? {
        request.headers.first { $0.name.lowercased() == "host" }?.value
    }

    @Test("URL requests keep path and query percent-encoded and add Host", arguments: [
        ("https://s3.us-east-1.amazonaws.com/bucket/a%20b/c%2Fd?list-type=2&prefix=a%2Fb", "/bucket/a%20b/c%2Fd",
         "list-type=2&prefix=a%2Fb", "s3.us-east-1.amazonaws.com"),
        ("https://sts.amazonaws.com", "/", nil, "sts.amazonaws.com"),
        ("https://example.com:443/x", "/x", nil, "example.com"),
        ("http://localhost:4566/x?y", "/x", "y", "localhost:4566"),
        ("http://127.0.0.1:80/", "/", nil, "127.0.0.1"),
        ("https://example.com:8443/", "/", nil, "example.com:8443"),
        ("http://[::1]:9000/b", "/b", nil, "[::1]:9000"),
    ] as [(String, String, String?, String)])
    func urlInit(url: String, path: String, query: String?, host: String) throws {
        let request = SigV4Request(method: "GET", url: try #require(URL(string: url)), body: [UInt8]())
        #expect(request.path == path)
        #expect(request.query == query)
        #expect(Self.host(request) == host)
        #expect(request.payloadSHA256 == SigV4Request.emptyPayloadSHA256)
    }

    @Test("an explicit Host header wins and the body is hashed")
    func explicitHost() throws {
        let url = try #require(URL(string: "http://127.0.0.1:4566/q"))
        let request = SigV4Request(method: "PUT", url: url, headers: [("host", "bucket.localhost")], body: Data("abc".utf8))
        #expect(request.headers.count == 1)
        #expect(Self.host(request) == "bucket.localhost")
        #expect(request.payloadSHA256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("signing a URL request with UNSIGNED-PAYLOAD")
    func unsignedPayload() throws {
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/photos/my%20cat.jpg"))
        let request = SigV4Request(method: "GET", url: url, payloadSHA256: SigV4Request.unsignedPayload)
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
            region: "us-east-1", service: "s3", options: .s3
        )
        let canonical = signer.canonicalRequest(for: request, date: Date(timeIntervalSince1970: 0))
        #expect(canonical.hasPrefix("GET\n/photos/my%20cat.jpg\n\nhost:examplebucket.s3.amazonaws.com\n"))
        #expect(canonical.hasSuffix("\nUNSIGNED-PAYLOAD"))
    }

    @Test("the signer is deterministic and date-sensitive")
    func deterministic() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
            region: "us-east-1", service: "service"
        )
        let request = SigV4Request(method: "GET", path: "/", headers: [("Host", "h")])
        let first = signer.authorization(for: request, date: Date(timeIntervalSince1970: 1_000_000))
        #expect(first == signer.authorization(for: request, date: Date(timeIntervalSince1970: 1_000_000)))
        #expect(first != signer.authorization(for: request, date: Date(timeIntervalSince1970: 1_000_001)))
    }
}
