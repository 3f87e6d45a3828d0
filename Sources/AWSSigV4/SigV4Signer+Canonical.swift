import Foundation

extension SigV4Signer {
    /// Task 1 of SigV4: method, canonical URI, canonical query, canonical headers, signed header
    /// names and payload hash, separated by `\n`.
    public func canonicalRequest(for request: SigV4Request, date: Date) -> String {
        var work = SigningBuffer(request: request, date: date)
        appendCanonicalRequest(request, to: &work)
        return String(decoding: work.bytes, as: UTF8.self)
    }

    /// Appends the canonical request at the start of `work.bytes` and records where it and its
    /// signed-header-names line are, so that the string to sign and the `Authorization` header
    /// are built from the same bytes without a `String` in between.
    func appendCanonicalRequest(_ request: SigV4Request, to work: inout SigningBuffer) {
        work.bytes.append(contentsOf: request.method.utf8)
        work.bytes.append(UInt8(ascii: "\n"))
        CanonicalURI.append(
            path: request.path, normalize: options.normalizePath, doubleEncode: options.doubleEncodePath,
            to: &work.bytes
        )
        work.bytes.append(UInt8(ascii: "\n"))
        CanonicalQuery.append(query: request.query, to: &work.bytes)
        work.bytes.append(UInt8(ascii: "\n"))
        appendCanonicalHeaders(for: request, to: &work)
        work.bytes.append(UInt8(ascii: "\n"))
        work.bytes.append(contentsOf: request.payloadSHA256.utf8)
        work.canonicalRequestEnd = work.bytes.count
    }

    /// A header taking part in the signature; `value` is `nil` for `x-amz-date`, whose bytes come
    /// from the `AMZDate` rather than from a string.
    private struct SignedHeader {
        let name: String
        let position: Int
        let value: String?
    }

    /// The headers that take part in the signature: the request's own (minus the ones this signer
    /// manages or deliberately leaves unsigned) plus `x-amz-date`, and per options the content
    /// hash and session token. Names are lower-cased and sorted; repeated names are joined with
    /// `,` in their original order, which a stable (name, position) sort preserves. Appends the
    /// header block, the empty line after it and the signed header names.
    private func appendCanonicalHeaders(for request: SigV4Request, to work: inout SigningBuffer) {
        var entries: [SignedHeader] = []
        entries.reserveCapacity(request.headers.count + 3)
        for (position, header) in request.headers.enumerated() {
            let name = HeaderText.lowercasedASCII(header.name)
            if isManaged(name) || options.unsignedHeaderNames.contains(name) { continue }
            entries.append(SignedHeader(name: name, position: position, value: header.value))
        }
        var position = request.headers.count
        entries.append(SignedHeader(name: "x-amz-date", position: position, value: nil))
        position += 1
        if options.addContentSHA256Header {
            entries.append(SignedHeader(name: "x-amz-content-sha256", position: position, value: request.payloadSHA256))
            position += 1
        }
        if let token = credentials.sessionToken, options.signSessionToken {
            entries.append(SignedHeader(name: "x-amz-security-token", position: position, value: token))
        }
        entries.sort { $0.name != $1.name ? $0.name < $1.name : $0.position < $1.position }

        var index = 0
        while index < entries.count {
            let name = entries[index].name
            work.bytes.append(contentsOf: name.utf8)
            work.bytes.append(UInt8(ascii: ":"))
            var first = true
            while index < entries.count, entries[index].name == name {
                if !first { work.bytes.append(UInt8(ascii: ",")) }
                first = false
                if let value = entries[index].value {
                    HeaderText.appendCanonicalValue(value, to: &work.bytes)
                } else {
                    work.amzDate.appendTimestamp(to: &work.bytes)
                }
                index += 1
            }
            work.bytes.append(UInt8(ascii: "\n"))
        }
        work.bytes.append(UInt8(ascii: "\n"))

        let namesStart = work.bytes.count
        var previous: String?
        for entry in entries where entry.name != previous {
            if previous != nil { work.bytes.append(UInt8(ascii: ";")) }
            work.bytes.append(contentsOf: entry.name.utf8)
            previous = entry.name
        }
        work.signedHeaderNames = namesStart..<work.bytes.count
    }

    /// Headers whose request copies are replaced by the values this signer computes.
    private func isManaged(_ lowercasedName: String) -> Bool {
        switch lowercasedName {
        case "authorization", "x-amz-date": return true
        case "x-amz-content-sha256": return options.addContentSHA256Header
        case "x-amz-security-token": return credentials.sessionToken != nil
        default: return false
        }
    }
}

/// Header name and value canonicalization for SigV4 (canonical headers, task 1).
enum HeaderText {
    /// Trims each line of the value, collapses runs of spaces/tabs to one space, and joins the
    /// lines of a folded (multi-line) value with `,` as the AWS suite (get-header-value-multiline)
    /// requires. Empty lines contribute nothing.
    static func appendCanonicalValue(_ value: String, to output: inout [UInt8]) {
        // Most values (hosts, dates, hashes, tokens) have no blank or line break: copied as they are.
        if !value.utf8.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            output.append(contentsOf: value.utf8)
            return
        }
        let start = output.count
        var lineHasContent = false
        var pendingSpace = false
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lineHasContent = false
                pendingSpace = false
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                pendingSpace = lineHasContent
            default:
                if !lineHasContent {
                    if output.count > start { output.append(UInt8(ascii: ",")) }
                    lineHasContent = true
                } else if pendingSpace {
                    output.append(UInt8(ascii: " "))
                }
                pendingSpace = false
                output.append(byte)
            }
        }
    }

    /// Header names are ASCII tokens; avoiding `String.lowercased()` skips Unicode case mapping.
    static func lowercasedASCII(_ string: String) -> String {
        guard string.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) else {
            return string
        }
        let bytes = string.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
