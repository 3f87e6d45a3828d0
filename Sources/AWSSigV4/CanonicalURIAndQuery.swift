import HTTPTransport

/// Appends the canonical URI (the second line of a canonical request) from the request path.
enum CanonicalURI {
    /// - Parameters:
    ///   - path: the path exactly as on the request line; normally already percent-encoded.
    ///   - normalize: remove `.`/`..` segments and empty segments (`//`). Off for S3, whose object
    ///     keys may legitimately contain `//` or `.` segments.
    ///   - doubleEncode: percent-encode every segment of the given path again, escaping its `%`
    ///     too (AWS SDK semantics for all services but S3). When off, each segment is decoded
    ///     and encoded once, so an already-encoded S3 key such as `a%20b` or `c%2Fd` keeps
    ///     exactly one level of encoding while stray raw bytes still get escaped.
    static func append(path: String, normalize: Bool, doubleEncode: Bool, to output: inout [UInt8]) {
        // The path of nearly every non-S3 call: its canonical form is itself.
        if path.isEmpty || path == "/" {
            output.append(UInt8(ascii: "/"))
            return
        }
        let bytes = Array(path.utf8)
        var segments = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let hasLeadingSlash = bytes.first == UInt8(ascii: "/")
        var hasTrailingSlash = bytes.last == UInt8(ascii: "/")
        if normalize {
            hasTrailingSlash = hasTrailingSlash || endsWithDotSegment(bytes)
            segments = removeDotSegments(segments)
        } else {
            // Splitting "/a/" yields ["", "a", ""]; the separators are re-added below.
            if hasLeadingSlash { segments.removeFirst() }
            if hasTrailingSlash, !segments.isEmpty { segments.removeLast() }
        }

        output.append(UInt8(ascii: "/"))
        for (offset, segment) in segments.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: "/")) }
            if doubleEncode {
                PercentEncoding.encode(segment, into: &output)
            } else {
                PercentEncoding.encode(PercentEncoding.decode(segment, plusAsSpace: false), into: &output)
            }
        }
        if hasTrailingSlash, !segments.isEmpty { output.append(UInt8(ascii: "/")) }
    }

    /// RFC 3986 style dot removal on an absolute path, also dropping empty segments so that
    /// `//example//` becomes `/example/`; `..` never climbs above the root.
    private static func removeDotSegments(_ segments: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>] {
        var kept: [ArraySlice<UInt8>] = []
        kept.reserveCapacity(segments.count)
        for segment in segments {
            if segment.isEmpty || segment.elementsEqual(CollectionOfOne(UInt8(ascii: "."))) {
                continue
            }
            if segment.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if !kept.isEmpty { kept.removeLast() }
                continue
            }
            kept.append(segment)
        }
        return kept
    }

    /// `/a/b/.` and `/a/b/..` name a directory, so their normalized form keeps a trailing slash.
    private static func endsWithDotSegment(_ bytes: [UInt8]) -> Bool {
        let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")
        let tail = bytes.suffix(3)
        return tail.elementsEqual([slash, dot, dot]) || bytes.suffix(2).elementsEqual([slash, dot])
            || bytes.elementsEqual([dot]) || bytes.elementsEqual([dot, dot])
    }
}

/// Appends the canonical query string (the third line of a canonical request).
enum CanonicalQuery {
    /// Each `key[=value]` pair is decoded and re-encoded with the strict SigV4 set, then pairs are
    /// sorted by encoded key and, for repeated keys, by encoded value; a missing value becomes `key=`.
    ///
    /// The input is the query as sent, i.e. already encoded, so decoding first makes `%41`, `A`
    /// and a raw UTF-8 byte all reach their single canonical spelling. A `+` in an encoded query
    /// means a space (HTML form encoding, which is how AWS front ends and the Go, Rust and JS SDKs
    /// read it), so it canonicalizes to `%20`; a literal plus must be sent as `%2B`.
    static func append(query: String?, to output: inout [UInt8]) {
        guard let query, !query.isEmpty else { return }
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        let bytes = Array(query.utf8)
        for component in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let key: ArraySlice<UInt8>
            let value: ArraySlice<UInt8>
            if let equals = component.firstIndex(of: UInt8(ascii: "=")) {
                key = component[..<equals]
                value = component[(equals + 1)...]
            } else {
                key = component
                value = []
            }
            pairs.append((encoded(key), encoded(value)))
        }
        pairs.sort { lhs, rhs in
            if lhs.key != rhs.key { return lhs.key.lexicographicallyPrecedes(rhs.key) }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }

        for (offset, pair) in pairs.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: "&")) }
            output.append(contentsOf: pair.key)
            output.append(UInt8(ascii: "="))
            output.append(contentsOf: pair.value)
        }
    }

    private static func encoded(_ raw: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        PercentEncoding.encode(PercentEncoding.decode(raw, plusAsSpace: true), into: &output)
        return output
    }
}
