import AWSSigV4
import Foundation
import Testing

/// S3 rules: no path normalization, single encoding, signed `x-amz-content-sha256`, and the
/// worked examples from the S3 API reference ("Signature Calculations for the Authorization
/// Header: Transferring Payload in a Single Chunk").
@Suite("S3 signing")
struct S3SigningTests {
    static let docsCredentials = AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    /// 20130524T000000Z
    static let docsDate = Date(timeIntervalSince1970: 1_369_353_600)
    static let docsSigner = SigV4Signer(credentials: docsCredentials, region: "us-east-1", service: "s3", options: .s3)
    static let host = (name: "Host", value: "examplebucket.s3.amazonaws.com")

    static func signature(of request: SigV4Request) -> String? {
        let authorization = docsSigner.authorization(for: request, date: docsDate)
        return authorization.components(separatedBy: "Signature=").last
    }

    @Test("docs example: GET Object")
    func getObject() {
        let request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host, ("Range", "bytes=0-9")])
        #expect(Self.docsSigner.canonicalRequest(for: request, date: Self.docsDate) == """
            GET
            /test.txt

            host:examplebucket.s3.amazonaws.com
            range:bytes=0-9
            x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            x-amz-date:20130524T000000Z

            host;range;x-amz-content-sha256;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(Self.docsSigner.stringToSign(for: request, date: Self.docsDate) == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(Self.docsSigner.authorization(for: request, date: Self.docsDate) ==
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("docs example: PUT Object (key with $, signed payload)")
    func putObject() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let request = SigV4Request(
            method: "PUT", path: "/test$file.text",
            headers: [Self.host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadSHA256: SigV4Request.hash(body)
        )
        #expect(request.payloadSHA256 == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        #expect(Self.docsSigner.canonicalRequest(for: request, date: Self.docsDate).contains("\n/test%24file.text\n"))
        #expect(Self.signature(of: request) == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("docs example: GET Bucket lifecycle (valueless query key)")
    func getLifecycle() {
        let request = SigV4Request(method: "GET", path: "/", query: "lifecycle", headers: [Self.host])
        #expect(Self.docsSigner.canonicalRequest(for: request, date: Self.docsDate).contains("\n/\nlifecycle=\n"))
        #expect(Self.signature(of: request) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test("docs example: GET Bucket (list objects)")
    func listObjects() {
        let request = SigV4Request(method: "GET", path: "/", query: "max-keys=2&prefix=J", headers: [Self.host])
        #expect(Self.signature(of: request) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("keys stay encoded exactly once and are not normalized", arguments: [
        ("/bucket/a%20b/c%2Fd", "/bucket/a%20b/c%2Fd"),
        ("/bucket//x/./y/../z", "/bucket//x/./y/../z"),
        ("/bucket/my-object//example//photo.user", "/bucket/my-object//example//photo.user"),
        ("/bucket/raw space+plus", "/bucket/raw%20space%2Bplus"),
        ("/bucket/%e2%82%ac/", "/bucket/%E2%82%AC/"),
        ("/", "/"),
    ])
    func s3Path(path: String, canonical: String) {
        let request = SigV4Request(method: "GET", path: path, headers: [Self.host])
        let lines = Self.docsSigner.canonicalRequest(for: request, date: Self.docsDate).split(
            separator: "\n", omittingEmptySubsequences: false
        )
        #expect(lines[1] == Substring(canonical))
    }

    @Test("default options double-encode and normalize the same key")
    func defaultOptionsDoubleEncode() {
        let signer = SigV4Signer(credentials: Self.docsCredentials, region: "us-east-1", service: "service")
        let request = SigV4Request(method: "GET", path: "/bucket/a%20b/./c%2Fd//", headers: [Self.host])
        let lines = signer.canonicalRequest(for: request, date: Self.docsDate).split(separator: "\n")
        #expect(lines[1] == "/bucket/a%2520b/c%252Fd/")
    }

    @Test("x-amz-content-sha256 is added, signed, and replaces a stale copy")
    func contentHeader() {
        let request = SigV4Request(
            method: "GET", path: "/k", headers: [Self.host, ("X-Amz-Content-SHA256", "stale")],
            payloadSHA256: SigV4Request.unsignedPayload
        )
        let headers = Self.docsSigner.signedHeaders(for: request, date: Self.docsDate)
        #expect(headers.contains { $0.name == "x-amz-content-sha256" && $0.value == "UNSIGNED-PAYLOAD" })
        let canonical = Self.docsSigner.canonicalRequest(for: request, date: Self.docsDate)
        #expect(canonical.contains("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"))
        #expect(!canonical.contains("stale"))
        #expect(canonical.hasSuffix("\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"))

        let signed = Self.docsSigner.signedRequest(request, date: Self.docsDate)
        #expect(signed.headers.filter { $0.name.lowercased() == "x-amz-content-sha256" }.count == 1)
    }
}
