/// RFC 3986 percent-encoding, the only encoder prenv has: the SigV4 canonical request, the URLs and
/// form bodies AWSCore sends and GitHub's path segments all use it, so a name is spelled the same on
/// the wire as in the signature.
///
/// Stricter than `URLComponents`/`addingPercentEncoding`: only the unreserved set (`A-Z a-z 0-9 - _ . ~`)
/// stays literal (and `/` when asked), every other UTF-8 byte becomes `%XX` with upper-case hex, and a
/// space is always `%20` (never `+`). A table lookup keeps this cheap on hot signing paths.
public enum PercentEncoding {
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// 256-entry table: `true` where the byte is unreserved and stays literal.
    private static let unreserved: [Bool] = (0..<256).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Appends `bytes` to `output`, percent-encoding everything outside the unreserved set.
    /// - Parameter keepingSlash: leave `/` literal (S3 object keys, whose slashes are path separators).
    public static func encode(_ bytes: some Sequence<UInt8>, keepingSlash: Bool = false, into output: inout [UInt8]) {
        for byte in bytes {
            if unreserved[Int(byte)] || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(upperHex[Int(byte >> 4)])
                output.append(upperHex[Int(byte & 0x0F)])
            }
        }
    }

    /// Encodes a whole string.
    public static func encode(_ string: String, keepingSlash: Bool = false) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(string.utf8.count)
        encode(string.utf8, keepingSlash: keepingSlash, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` escapes. A `%` not followed by two hex digits is kept as a literal `%`
    /// (it will be re-encoded as `%25`), so malformed input still produces a stable canonical form.
    /// - Parameter plusAsSpace: form-style decoding for query strings, where `+` means a space.
    public static func decode(_ bytes: some Collection<UInt8>, plusAsSpace: Bool) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"),
               let first = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), first != bytes.endIndex,
               let second = bytes.index(first, offsetBy: 1, limitedBy: bytes.endIndex), second != bytes.endIndex,
               let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) {
                output.append(high << 4 | low)
                index = bytes.index(after: second)
                continue
            }
            output.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = bytes.index(after: index)
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
