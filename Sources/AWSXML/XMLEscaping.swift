/// Escaping and validation rules for ``XMLWriter``, kept apart so they can be read (and tested) alone.
enum XMLEscaping {
    /// Escapes `value`, or throws if it holds a character XML 1.0 forbids outright.
    /// `context` names the element or attribute, for the error message.
    static func escape(_ value: String, attribute: Bool, context: String) throws(XMLWriteError) -> String {
        var result = ""
        result.reserveCapacity(value.utf8.count)
        for (offset, scalar) in value.unicodeScalars.enumerated() {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\r": result += "&#13;"
            case "\n" where attribute: result += "&#10;"
            case "\t" where attribute: result += "&#9;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            default:
                guard isXMLChar(scalar) else {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                    throw XMLWriteError(message: "\(context) contains \(code) at character \(offset), "
                        + "which XML 1.0 cannot represent, not even as a character reference")
                }
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// XML 1.0 `Char` production; Swift scalars are never surrogates, so only controls and U+FFFE/FFFF fail.
    static func isXMLChar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// Element and attribute names are written unescaped, so they are limited to plain ASCII XML names
    /// (`Delete`, `xmlns:xsi`, `LocationConstraint`): enough for AWS bodies, and never ambiguous.
    static func checkName(_ name: String) throws(XMLWriteError) {
        let valid = name.unicodeScalars.enumerated().allSatisfy { index, scalar in
            switch scalar {
            case "A"..."Z", "a"..."z", "_": true
            case "0"..."9", "-", ".", ":": index > 0
            default: false
            }
        }
        guard valid, !name.isEmpty else {
            throw XMLWriteError(message: "'\(name)' is not an XML name this writer accepts ([A-Za-z_][A-Za-z0-9._:-]*)")
        }
    }
}
