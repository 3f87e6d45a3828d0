import AWSSigV4
import Foundation
import FuzzSupport

/// SigV4 canonicalisation on hostile requests, written like the AWS suite's `.req` files (which seed it):
/// `METHOD target HTTP/1.1`, `Name:value` header lines, a blank line, the body. Canonical request,
/// string to sign and authorization must come out for anything, the same twice, and the path and S3
/// options must not crash either.
@main
enum SigV4Fuzz {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                            sessionToken: "session")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z, the suite's date
    static let signers = [
        SigV4Signer(credentials: credentials, region: "us-east-1", service: "service"),
        SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3", options: .s3),
    ]

    static func main() {
        FuzzDriver.run("sigv4") { bytes, count in SigV4Fuzz.check(FuzzDriver.data(bytes, count)) }
    }

    static func check(_ input: Data) -> Int32 {
            let request = parse(String(decoding: input, as: UTF8.self))
            for signer in signers {
                let canonical = signer.canonicalRequest(for: request, date: date)
                let authorization = signer.authorization(for: request, date: date)
                if canonical != signer.canonicalRequest(for: request, date: date) { FuzzDriver.fail("canonical request differs on a second run") }
                if authorization != signer.authorization(for: request, date: date) { FuzzDriver.fail("authorization differs on a second run") }
                _ = signer.signedRequest(request, date: date)
            }
            return 0
    }

    /// Lenient: whatever is not a header line is skipped, a missing request line leaves method and path empty.
    static func parse(_ text: String) -> SigV4Request {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }[...]
        let requestLine = lines.popFirst() ?? ""
        var method = Substring(""), target = Substring("")
        if let first = requestLine.firstIndex(of: " ") {
            method = requestLine[..<first]
            let rest = requestLine[requestLine.index(after: first)...]
            target = rest.lastIndex(of: " ").map { rest[..<$0] } ?? rest
        } else {
            method = requestLine
        }
        let mark = target.firstIndex(of: "?")
        let path = mark.map { target[..<$0] } ?? target
        let query = mark.map { target[target.index(after: $0)...] }
        var headers: [(name: String, value: String)] = []
        while let line = lines.popFirst(), !line.isEmpty {
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let body = lines.joined(separator: "\n")
        return SigV4Request(method: String(method), path: String(path), query: query.map(String.init), headers: headers,
                            payloadSHA256: SigV4Request.hash(Array(body.utf8)))
    }
}
