/// Builds the canonical query string (the third line of a canonical request).
enum CanonicalQuery {
    /// Each `key[=value]` pair is decoded and re-encoded with the strict SigV4 set, then pairs are
    /// sorted by encoded key and, for repeated keys, by encoded value; a missing value becomes `key=`.
    ///
    /// The input is the query as sent, i.e. already encoded, so decoding first makes `%41`, `A`
    /// and a raw UTF-8 byte all reach their single canonical spelling. A `+` in an encoded query
    /// means a space (HTML form encoding, which is how AWS front ends and the Go, Rust and JS SDKs
    /// read it), so it canonicalizes to `%20`; a literal plus must be sent as `%2B`.
    static func make(query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
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

        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        for (offset, pair) in pairs.enumerated() {
            if offset > 0 { output.append(UInt8(ascii: "&")) }
            output.append(contentsOf: pair.key)
            output.append(UInt8(ascii: "="))
            output.append(contentsOf: pair.value)
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func encoded(_ raw: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        URIEncoding.encode(URIEncoding.decode(raw, plusAsSpace: true), into: &output)
        return output
    }
}
