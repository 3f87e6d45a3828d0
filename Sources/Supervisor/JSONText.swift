/// JSON written by hand, byte for byte as `JSONSerialization` writes it (sorted keys, `/` escaped),
/// for the two small documents made for every delivery: the content key's parts and the answer.
/// `JSONSerialization` builds and type-checks a tree of Foundation objects for them, a good part of
/// intake's own time; the bytes must stay the same, as content keys of recorded deliveries are
/// compared with new ones (`JSONTextTests` checks both against `JSONSerialization`).
enum JSONText {
    /// `value` as a JSON string, quotes included.
    static func appendString(_ value: String, to out: inout String) {
        out.append("\"")
        var plainStart = value.utf8.startIndex
        var index = plainStart
        let utf8 = value.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            let escape: String? = switch byte {
            case UInt8(ascii: "\""): "\\\""
            case UInt8(ascii: "\\"): "\\\\"
            case UInt8(ascii: "/"): "\\/"
            case 0x08: "\\b"
            case 0x0C: "\\f"
            case 0x0A: "\\n"
            case 0x0D: "\\r"
            case 0x09: "\\t"
            case 0..<0x20: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
            default: nil
            }
            if let escape {
                out.append(contentsOf: value[plainStart..<index])
                out.append(escape)
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        out.append(contentsOf: value[plainStart..<index])
        out.append("\"")
    }

    /// `[ "a", "b" ]` without spaces.
    static func appendArray(_ values: [String], to out: inout String) {
        out.append("[")
        for (offset, value) in values.enumerated() {
            if offset > 0 { out.append(",") }
            appendString(value, to: &out)
        }
        out.append("]")
    }

    /// An object of string members, keys sorted by Swift's `<`. `JSONSerialization` sorts
    /// case-insensitively and numerically; the two agree for the only keys written here
    /// (`delivery`, `message`, `outcome`: lower-case words).
    static func object(_ members: [String: String]) -> String {
        var out = "{"
        for (offset, key) in members.keys.sorted().enumerated() {
            if offset > 0 { out.append(",") }
            appendString(key, to: &out)
            out.append(":")
            appendString(members[key] ?? "", to: &out)
        }
        out.append("}")
        return out
    }
}
