import Foundation

extension SigV4Signer {
    /// Everything computed once per signature and shared by the string to sign and the header.
    struct SigningMaterial {
        let amzDate: AMZDate
        let canonicalRequest: String
        /// `host;x-amz-date;…`
        let signedHeaderNames: String
    }

    /// Task 1 of SigV4: method, canonical URI, canonical query, canonical headers, signed header
    /// names and payload hash, separated by `\n`.
    public func canonicalRequest(for request: SigV4Request, date: Date) -> String {
        signingMaterial(for: request, date: date).canonicalRequest
    }

    func signingMaterial(for request: SigV4Request, date: Date) -> SigningMaterial {
        let amzDate = AMZDate(date: date)
        let headers = canonicalHeaders(for: request, amzDate: amzDate)
        let uri = CanonicalURI.make(
            path: request.path, normalize: options.normalizePath, doubleEncode: options.doubleEncodePath
        )
        var text = request.method
        text += "\n"
        text += uri
        text += "\n"
        text += CanonicalQuery.make(query: request.query)
        text += "\n"
        text += headers.block
        text += "\n"
        text += headers.names
        text += "\n"
        text += request.payloadSHA256
        return SigningMaterial(amzDate: amzDate, canonicalRequest: text, signedHeaderNames: headers.names)
    }

    /// The headers that take part in the signature: the request's own (minus the ones this signer
    /// manages or deliberately leaves unsigned) plus `x-amz-date`, and per options the content
    /// hash and session token. Names are lower-cased and sorted; repeated names are joined with
    /// `,` in their original order, which a stable (name, position) sort preserves.
    private func canonicalHeaders(for request: SigV4Request, amzDate: AMZDate) -> (block: String, names: String) {
        let token = credentials.sessionToken
        var entries: [(name: String, position: Int, value: String)] = []
        entries.reserveCapacity(request.headers.count + 3)
        for (position, header) in request.headers.enumerated() {
            let name = HeaderText.lowercasedASCII(header.name)
            if isManaged(name) || options.unsignedHeaderNames.contains(name) { continue }
            entries.append((name, position, header.value))
        }
        var position = request.headers.count
        func add(_ name: String, _ value: String) {
            entries.append((name, position, value))
            position += 1
        }
        add("x-amz-date", amzDate.timestamp)
        if options.addContentSHA256Header { add("x-amz-content-sha256", request.payloadSHA256) }
        if let token, options.signSessionToken { add("x-amz-security-token", token) }
        entries.sort { $0.name != $1.name ? $0.name < $1.name : $0.position < $1.position }

        var block: [UInt8] = []
        var names: [UInt8] = []
        var index = 0
        while index < entries.count {
            let name = entries[index].name
            if !names.isEmpty { names.append(UInt8(ascii: ";")) }
            names.append(contentsOf: name.utf8)
            block.append(contentsOf: name.utf8)
            block.append(UInt8(ascii: ":"))
            var first = true
            while index < entries.count, entries[index].name == name {
                if !first { block.append(UInt8(ascii: ",")) }
                HeaderText.appendCanonicalValue(entries[index].value, to: &block)
                first = false
                index += 1
            }
            block.append(UInt8(ascii: "\n"))
        }
        return (String(decoding: block, as: UTF8.self), String(decoding: names, as: UTF8.self))
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
