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
