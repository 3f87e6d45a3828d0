import AWSSigV4
import Foundation
import Testing

/// Canonicalization rules beyond the AWS suite, observed through the canonical request.
@Suite("Canonicalization")
struct CanonicalizationTests {
    static let signer = SigV4Signer(
        credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"),
        region: "us-east-1", service: "service"
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    /// Line `index` of the canonical request (0 method, 1 URI, 2 query, 3… headers).
    static func line(_ index: Int, _ request: SigV4Request) -> String {
        let lines = signer.canonicalRequest(for: request, date: date).split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines[index])
    }

    static func query(_ query: String?) -> String {
        line(2, SigV4Request(method: "GET", path: "/", query: query, headers: [("Host", "h")]))
    }

    @Test("query strings", arguments: [
        (nil, ""),
        ("", ""),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        ("flag&x=", "flag=&x="),
        ("&&a=1&", "a=1"),
        ("q=a b", "q=a%20b"),
        ("q=a+b", "q=a%20b"),
        ("q=a%2Bb", "q=a%2Bb"),
        ("q=%7e%41", "q=~A"),
        ("q=100%", "q=100%25"),
        ("k=v=w", "k=v%3Dw"),
        ("Z=1&a=1&_=1&~=1", "Z=1&_=1&a=1&~=1"),
        ("%E1%88%B4=bar", "%E1%88%B4=bar"),
        ("prefix=photos/2024&delimiter=/", "delimiter=%2F&prefix=photos%2F2024"),
    ] as [(String?, String)])
    func queries(input: String?, expected: String) {
        #expect(Self.query(input) == expected)
    }

    @Test("normalized, double-encoded paths", arguments: [
        ("", "/"),
        ("/", "/"),
        ("/a/b/../c/./d", "/a/c/d"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/../../a", "/a"),
        ("/a%2Fb", "/a%252Fb"),
        ("/caf\u{E9}", "/caf%C3%A9"),
        ("/a:b@c!", "/a%3Ab%40c%21"),
    ])
    func paths(input: String, expected: String) {
        #expect(Self.line(1, SigV4Request(method: "GET", path: input, headers: [("Host", "h")])) == expected)
    }

    @Test("header names, values, duplicates and managed headers")
    func headers() {
        let request = SigV4Request(method: "POST", path: "/", headers: [
            ("Host", "h"),
            ("X-B", "  two\t\t words  "),
            ("x-a", "first"),
            ("Authorization", "old signature"),
            ("X-Amz-Date", "19990101T000000Z"),
            ("X-A", " second "),
            ("User-Agent", "prenv/1.0"),
            ("X-Folded", "one\r\n\t two  three\n"),
            ("X-Empty", ""),
        ])
        let canonical = Self.signer.canonicalRequest(for: request, date: Self.date)
        #expect(canonical == """
            POST
            /

            host:h
            x-a:first,second
            x-amz-date:20150830T123600Z
            x-b:two words
            x-empty:
            x-folded:one,two three

            host;x-a;x-amz-date;x-b;x-empty;x-folded
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
    }

    @Test("X-Amz-Date rendering", arguments: [
        (0.0, "19700101T000000Z"),
        (951_782_400.0, "20000229T000000Z"),
        (1_440_938_160.999, "20150830T123600Z"),
        (1_709_251_199.0, "20240229T235959Z"),
        (4_102_444_800.0, "21000101T000000Z"),
        (-1.0, "19691231T235959Z"),
    ])
    func amzDate(seconds: Double, expected: String) {
        let request = SigV4Request(method: "GET", path: "/", headers: [("Host", "h")])
        let headers = Self.signer.signedHeaders(for: request, date: Date(timeIntervalSince1970: seconds))
        #expect(headers.first { $0.name == "X-Amz-Date" }?.value == expected)
        #expect(Self.signer.credentialScope(date: Date(timeIntervalSince1970: seconds)) == "\(expected.prefix(8))/us-east-1/service/aws4_request")
    }

    @Test("rendering agrees with a Gregorian UTC calendar over many dates")
    func amzDateMatchesCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var seconds = 0.0
        while seconds < 4_200_000_000 {
            let date = Date(timeIntervalSince1970: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(
                format: "%04d%02d%02dT%02d%02d%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0
            )
            let request = SigV4Request(method: "GET", path: "/", headers: [("Host", "h")])
            #expect(Self.signer.signedHeaders(for: request, date: date)[0].value == expected)
            seconds += 7_654_321.5
        }
    }
}
