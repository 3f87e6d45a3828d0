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
