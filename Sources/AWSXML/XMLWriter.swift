import Foundation

/// Builds small XML request bodies (S3 `DeleteObjects`, `CreateBucketConfiguration`, …).
///
/// ```swift
/// var writer = XMLWriter()
/// try writer.element("Delete", namespace: "http://s3.amazonaws.com/doc/2006-03-01/") { body throws(XMLWriteError) in
///     for key in keys {
///         try body.element("Object") { object throws(XMLWriteError) in try object.element("Key", text: key) }
///     }
///     try body.element("Quiet", text: "true")
/// }
/// let payload = writer.data
/// ```
///
/// Escaping: `& < > " '` become entity references everywhere; `\r` becomes `&#13;` (a parser would turn a
/// raw one into `\n`); in attribute values `\n` and `\t` become `&#10;`/`&#9;` (a parser would turn them
/// into spaces). Text may keep raw newlines.
///
/// Characters XML 1.0 cannot carry at all, not even as `&#…;` (C0 controls other than tab, LF and CR, and
/// U+FFFE/U+FFFF), are **rejected** with ``XMLWriteError`` rather than encoded: S3 keys may contain them,
/// but no XML body can name such a key, so callers must take another route (e.g. per-key `DeleteObject`,
/// whose key travels in the URL). Failing loudly beats sending a body S3 would reject or misread.
public struct XMLWriter: Sendable {
    private var output: String

    /// - Parameter declaration: start with `<?xml version="1.0" encoding="UTF-8"?>` (S3 accepts either).
    public init(declaration: Bool = true) {
        output = declaration ? #"<?xml version="1.0" encoding="UTF-8"?>"# : ""
    }

    /// The document so far.
    public var string: String { output }
    /// The document so far, UTF-8 encoded, ready to be an HTTP body.
    public var data: Data { Data(output.utf8) }

    /// Writes `<name …>`, then whatever `content` writes, then `</name>`.
    /// If anything throws, the writer is left exactly as it was before this call.
    public mutating func element(
        _ name: String,
        namespace: String? = nil,
        attributes: KeyValuePairs<String, String> = [:],
        _ content: (inout XMLWriter) throws(XMLWriteError) -> Void
    ) throws(XMLWriteError) {
        let mark = output.utf8.count
        do {
            try openTag(name, namespace: namespace, attributes: attributes)
            try content(&self)
            output += "</\(name)>"
        } catch {
            output = String(decoding: output.utf8.prefix(mark), as: UTF8.self)
            throw error
        }
    }

    /// Writes `<name …>escaped text</name>`; an empty `text` still writes both tags.
    public mutating func element(
        _ name: String,
        namespace: String? = nil,
        attributes: KeyValuePairs<String, String> = [:],
        text: String
    ) throws(XMLWriteError) {
        try element(name, namespace: namespace, attributes: attributes) { writer throws(XMLWriteError) in
            try writer.text(text, in: name)
        }
    }

    /// Whether XML 1.0 can carry `text` at all (see the type's note on what it cannot).
    public static func canCarry(_ text: String) -> Bool {
        (try? XMLEscaping.escape(text, attribute: false, context: "")) != nil
    }

    /// Appends escaped character data inside the current element.
    public mutating func text(_ value: String, in element: String = "text") throws(XMLWriteError) {
        output += try XMLEscaping.escape(value, attribute: false, context: "<\(element)>")
    }

    private mutating func openTag(
        _ name: String, namespace: String?, attributes: KeyValuePairs<String, String>
    ) throws(XMLWriteError) {
        try XMLEscaping.checkName(name)
        var tag = "<" + name
        if let namespace {
            tag += #" xmlns=""# + (try XMLEscaping.escape(namespace, attribute: true, context: "xmlns")) + #"""#
        }
        for (key, value) in attributes {
            try XMLEscaping.checkName(key)
            tag += " \(key)=\"" + (try XMLEscaping.escape(value, attribute: true, context: key)) + "\""
        }
        output += tag + ">"
    }
}

/// A value or name that cannot be written as XML 1.0.
public struct XMLWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { "XML write error: \(message)" }
}

/// The escaping and validation rules ``XMLWriter`` applies to every text and attribute value.
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
