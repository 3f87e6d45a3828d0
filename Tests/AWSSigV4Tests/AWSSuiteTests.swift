import AWSSigV4
import Foundation
import Testing

/// The official AWS SigV4 test suite, compared byte for byte: canonical request (`.creq`),
/// string to sign (`.sts`), `Authorization` (`.authz`) and the complete signed request (`.sreq`).
@Suite("AWS SigV4 test suite")
struct AWSSuiteTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    /// 20150830T123600Z
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    /// Discovered once at test-definition time so each case is reported on its own.
    static let cases = SuiteFixtures.caseNames()

    @Test("suite folder is present and complete")
    func suiteIsPresent() throws {
        let directory = SuiteFixtures.suiteDirectory.path
        try #require(
            SuiteFixtures.suiteExists,
            "AWS SigV4 suite not found at \(directory) (set PRENV_SHARED_DIR to the shared/ folder)"
        )
        let requestFiles = SuiteFixtures.requestFiles()
        // One case per .req file; guards against discovery silently skipping nested groups.
        #expect(Self.cases.count >= requestFiles.count, "cases \(Self.cases) vs .req files \(requestFiles)")
        #expect(Self.cases.count >= 28, "only \(Self.cases.count) suite cases found in \(directory)")
        #expect(Self.cases.contains("normalize-path/get-space"))
        #expect(Self.cases.contains("post-sts-token/post-sts-header-after"))
    }

    @Test("suite case", arguments: cases)
    func suiteCase(_ name: String) throws {
        let raw = try RawRequest(parsing: SuiteFixtures.read(name, "req"))
        let request = raw.sigV4Request
        let signer = try Self.signer(for: name)

        #expect(signer.canonicalRequest(for: request, date: Self.date) == (try SuiteFixtures.read(name, "creq")))
        #expect(signer.stringToSign(for: request, date: Self.date) == (try SuiteFixtures.read(name, "sts")))
        #expect(signer.authorization(for: request, date: Self.date) == (try SuiteFixtures.read(name, "authz")))

        let expected = try RawRequest(parsing: SuiteFixtures.read(name, "sreq"))
        let signed = signer.signedRequest(request, date: Self.date)
        #expect(Self.normalized(signed.headers) == Self.normalized(expected.headers))
    }

    /// post-sts-token/readme.txt: "before" signs the token header, "after" adds it unsigned.
    static func signer(for caseName: String) throws -> SigV4Signer {
        var credentials = Self.credentials
        var options = SigV4Signer.Options.default
        if caseName.hasPrefix("post-sts-token/") {
            credentials.sessionToken = try SuiteFixtures.sessionToken()
            options.signSessionToken = !caseName.hasSuffix("post-sts-header-after")
        }
        return SigV4Signer(credentials: credentials, region: "us-east-1", service: "service", options: options)
    }

    /// `.sreq` writes `Authorization: …` with a space after the colon; compare names
    /// case-insensitively and values without surrounding blanks, order per name preserved.
    static func normalized(_ headers: [(name: String, value: String)]) -> [String] {
        headers.enumerated()
            .map { (name: $0.element.name.lowercased(), position: $0.offset, value: $0.element.value) }
            .sorted { $0.name != $1.name ? $0.name < $1.name : $0.position < $1.position }
            .map { "\($0.name):\($0.value.trimmingCharacters(in: .whitespaces))" }
    }
}
