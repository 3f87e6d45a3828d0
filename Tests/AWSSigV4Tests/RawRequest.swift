import Foundation
import AWSSigV4

/// A parsed `.req`/`.sreq` file of the AWS suite: `METHOD target HTTP/1.1`, header lines
/// (a line starting with a space or tab continues the previous value, kept verbatim with its
/// newline so the signer sees a real folded value), a blank line, then the body.
struct RawRequest {
    var method: String
    var path: String
    var query: String?
    var headers: [(name: String, value: String)]
    var body: String

    enum ParseError: Error { case badRequestLine(String), continuationWithoutHeader, headerWithoutColon(String) }

    init(parsing text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        // The target may itself contain spaces (get-space), so split on the first and last space.
        let requestLine = lines.first ?? ""
        guard let firstSpace = requestLine.firstIndex(of: " "),
              let lastSpace = requestLine.lastIndex(of: " "), firstSpace < lastSpace
        else { throw ParseError.badRequestLine(requestLine) }
        method = String(requestLine[..<firstSpace])
        let target = requestLine[requestLine.index(after: firstSpace)..<lastSpace]
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = String(target)
            query = nil
        }

        headers = []
        var index = 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw ParseError.continuationWithoutHeader }
                headers[headers.count - 1].value += "\n" + line
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw ParseError.headerWithoutColon(line) }
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
            index += 1
        }
        body = index + 1 < lines.count ? lines[(index + 1)...].joined(separator: "\n") : ""
    }

    var sigV4Request: SigV4Request {
        SigV4Request(
            method: method, path: path, query: query, headers: headers,
            payloadSHA256: SigV4Request.hash(Array(body.utf8))
        )
    }
}
