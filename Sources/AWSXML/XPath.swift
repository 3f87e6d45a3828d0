import CLibXML2
import Foundation

extension XMLDocument {
    /// Evaluates an XPath 1.0 expression over `data` and returns the matching **elements**, copied out.
    ///
    /// Why: local mocks (moto) answer with a default namespace and no `<?xml?>` line, and XPath cannot
    /// match default-namespaced elements without a prefix. Register one, e.g.
    /// `xpath(data, "//cfn:StackId", namespaces: ["cfn": "http://cloudformation.amazonaws.com/doc/2010-05-15/"])`.
    ///
    /// Selected nodes that are not elements (attributes, text) are skipped. The document is parsed with the
    /// same hardening as ``parse(_:)-(Data)``.
    /// - Throws: ``XMLParseError`` for a bad document (with its position), an invalid expression or an
    ///   unknown prefix (line 0, column = 1-based offset in the expression), or an expression that yields a
    ///   number, string or boolean instead of nodes.
    public static func xpath(
        _ data: Data,
        _ expression: String,
        namespaces: [String: String] = [:]
    ) throws(XMLParseError) -> [XMLElement] {
        try LibXML2Reader.withDocument(data) { document throws(XMLParseError) in
            guard let context = xmlXPathNewContext(document) else {
                throw XMLParseError(message: "libxml2 could not allocate an XPath context", line: 0, column: 0)
            }
            defer { xmlXPathFreeContext(context) }
            // With a structured handler set, libxml2 records XPath errors in `context.lastError` instead of
            // printing them to stderr.
            context.pointee.error = { _, _ in }
            for (prefix, uri) in namespaces.sorted(by: { $0.key < $1.key }) {
                let status = XPathErrors.withXMLChars(prefix) { prefix in
                    XPathErrors.withXMLChars(uri) { uri in xmlXPathRegisterNs(context, prefix, uri) }
                }
                guard status == 0, !prefix.isEmpty, !(prefix + uri).contains("\0") else {
                    throw XMLParseError(message: "Cannot register XPath prefix '\(prefix)' for '\(uri)'",
                                        line: 0, column: 0)
                }
            }
            guard !expression.contains("\0") else {
                throw XMLParseError(message: "XPath expression contains a NUL character", line: 0, column: 0)
            }
            let evaluated = XPathErrors.withXMLChars(expression) { xmlXPathEval($0, context) }
            guard let result = evaluated else {
                throw XPathErrors.error(context.pointee.lastError, expression: expression)
            }
            defer { xmlXPathFreeObject(result) }
            guard result.pointee.type == XPATH_NODESET else {
                throw XMLParseError(message: "XPath '\(expression)' does not select nodes", line: 0, column: 0)
            }
            guard let set = result.pointee.nodesetval, let nodes = set.pointee.nodeTab else { return [] }
            return (0..<Int(set.pointee.nodeNr)).compactMap { index in
                guard let node = nodes[index], node.pointee.type == XML_ELEMENT_NODE else { return nil }
                return TreeCopy.element(node)
            }
        }
    }
}

/// libxml2 leaves `message` empty when a structured XPath handler is installed, so the texts of its
/// internal `xmlXPathErrorMessages` table (xpath.c, indexed by `xmlXPathError`) are repeated here.
private enum XPathErrors {
    static let messages = [
        "Ok", "Number encoding", "Unfinished literal", "Start of literal", "Expected $ for variable reference",
        "Undefined variable", "Invalid predicate", "Invalid expression", "Missing closing curly brace",
        "Register a function", "Invalid operand", "Invalid type", "Invalid number of arguments",
        "Invalid context size", "Invalid context position", "Memory allocation error", "Syntax error",
        "Resource error", "Sub resource error", "Undefined namespace prefix", "Encoding error",
        "Char out of XML range", "Invalid or incomplete context", "Stack usage error", "Forbidden variable",
    ]

    static func error(_ error: xmlError, expression: String) -> XMLParseError {
        let index = Int(error.code) - Int(XML_XPATH_EXPRESSION_OK.rawValue)
        guard index > 0, messages.indices.contains(index) else {
            return XMLParseError(message: "XPath '\(expression)' could not be evaluated", line: 0, column: 0)
        }
        return XMLParseError(message: "\(messages[index]) in XPath '\(expression)'",
                             line: 0, column: Int(error.int1) + 1)
    }

    /// libxml2 takes `const xmlChar *` (unsigned bytes); Swift bridges strings only to `const char *`.
    static func withXMLChars<Result>(_ string: String, _ body: (UnsafePointer<xmlChar>) -> Result) -> Result {
        string.withCString { pointer in
            pointer.withMemoryRebound(to: xmlChar.self, capacity: string.utf8.count + 1, body)
        }
    }
}
