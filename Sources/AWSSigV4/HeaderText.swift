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
