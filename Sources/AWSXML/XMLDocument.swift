import Foundation

/// Entry points for reading AWS XML responses (Query protocol: CloudFormation, STS; REST-XML: S3).
///
/// Every call parses with its own libxml2 parser context, copies what it needs into ``XMLElement``
/// values and frees the C document before returning, so calls are safe from any number of tasks at once.
///
/// Hardening, because response bodies come from the network (or from a local mock pretending to be AWS):
/// - no network access while parsing (`XML_PARSE_NONET`), no external DTD loading, no entity
///   substitution (`XML_PARSE_NOENT` is off);
/// - documents with a `<!DOCTYPE …>` are rejected outright, before their internal subset is read: AWS never
///   sends one, and refusing it closes the door on entity tricks (billion laughs, XXE) entirely;
/// - inputs above ``maximumInputBytes`` are rejected without being parsed, and libxml2's built-in limits
///   (nesting depth, text node size) stay on (`XML_PARSE_HUGE` is off);
/// - the first error stops the parse, so garbage input costs little and the reported position is the
///   first problem, not a follow-on one.
public enum XMLDocument {
    /// Largest body accepted, 32 MiB. Real responses are far smaller (a 1,000-key S3 listing is ~1 MB,
    /// a CloudFormation template is at most 1 MB); anything bigger is a bug or an attack.
    public static let maximumInputBytes = 32 << 20

    /// Parses a whole document and returns its root element.
    ///
    /// - Throws: ``XMLParseError`` carrying libxml2's message and the line and column of the first error.
    public static func parse(_ data: Data) throws(XMLParseError) -> XMLElement {
        try LibXML2Reader.withDocument(data) { document throws(XMLParseError) in
            guard let root = LibXML2Reader.rootElement(of: document) else {
                throw XMLParseError(message: "Document has no root element", line: 1, column: 1)
            }
            return TreeCopy.element(root)
        }
    }

    /// Parses a UTF-8 string; a convenience for tests and hand-written samples.
    public static func parse(_ string: String) throws(XMLParseError) -> XMLElement {
        try parse(Data(string.utf8))
    }
}

/// Why a document (or an XPath expression) could not be used, with the position libxml2 reported.
///
/// A value type with plain fields so callers can log it, compare it in tests and send it across tasks.
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libxml2's message (trailing newline removed), or AWSXML's own for checks made before libxml2 runs
    /// (size limit, empty input, DOCTYPE rejection, XPath evaluation).
    public let message: String
    /// 1-based line in the document; 0 when the error is not about a document position (XPath errors).
    public let line: Int
    /// 1-based column on that line as libxml2 counted it; for XPath errors, the 1-based offset in the
    /// expression; 0 when unknown.
    public let column: Int

    public init(message: String, line: Int, column: Int) {
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        line > 0
            ? "XML error at line \(line), column \(column): \(message)"
            : "XML error: \(message)"
    }
}
