import CLibXML2
import Foundation

/// Runs `xmlInitParser()` exactly once: Swift initialises globals lazily under `swift_once`, which gives
/// the thread-safe one-time setup libxml2 asks for before it is used from several threads.
private let libxml2Initialized: Void = xmlInitParser()

/// Per-parse bookkeeping reachable from libxml2 callbacks through the context's `_private` pointer.
private final class ParseState {
    /// Line of a `<!DOCTYPE` that was refused, if any.
    var doctypeLine: Int?
}

/// The only place that calls libxml2's parser. Owns the parser context and the document's lifetime.
enum LibXML2Reader {
    /// NONET: never fetch anything. NOERROR/NOWARNING: never print to stderr (errors are collected from the
    /// context instead). BIG_LINES: correct line numbers past 65,535. Deliberately absent: NOENT (entity
    /// substitution), DTDLOAD, DTDVALID, XINCLUDE, HUGE, RECOVER.
    static let options = Int32(bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
        | XML_PARSE_NOWARNING.rawValue | XML_PARSE_BIG_LINES.rawValue)

    /// Parses `data` with a fresh parser context, hands the document to `body`, then frees everything.
    /// The `xmlDocPtr` must not escape `body`.
    static func withDocument<Result>(
        _ data: Data,
        _ body: (xmlDocPtr) throws(XMLParseError) -> Result
    ) throws(XMLParseError) -> Result {
        _ = libxml2Initialized
        guard !data.isEmpty else {
            throw XMLParseError(message: "Document is empty", line: 1, column: 1)
        }
        guard data.count <= XMLDocument.maximumInputBytes else {
            throw XMLParseError(
                message: "Document is \(data.count) bytes; the limit is \(XMLDocument.maximumInputBytes)",
                line: 0, column: 0)
        }
        guard let context = xmlNewParserCtxt() else {
            throw XMLParseError(message: "libxml2 could not allocate a parser context", line: 0, column: 0)
        }
        defer { xmlFreeParserCtxt(context) }
        let state = ParseState()
        let document: xmlDocPtr? = withExtendedLifetime(state) {
            context.pointee._private = Unmanaged.passUnretained(state).toOpaque()
            installGuards(on: context)
            return data.withUnsafeBytes { bytes in
                xmlCtxtReadMemory(context, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                                  Int32(bytes.count), nil, nil, options)
            }
        }
        guard let document else { throw failure(of: context, state: state) }
        defer { xmlFreeDoc(document) }
        return try body(document)
    }

    /// The document's root element, if it has one.
    static func rootElement(of document: xmlDocPtr) -> xmlNodePtr? {
        xmlDocGetRootElement(document)
    }

    /// Replaces two callbacks in this context's private SAX handler (each context owns its own copy):
    /// DOCTYPE declarations stop the parse, and the first error stops it too so it is the one reported.
    private static func installGuards(on context: xmlParserCtxtPtr) {
        guard let sax = context.pointee.sax else { return }
        sax.pointee.internalSubset = { userData, _, _, _ in
            guard let context = userData?.assumingMemoryBound(to: xmlParserCtxt.self) else { return }
            if let raw = context.pointee._private {
                let state = Unmanaged<ParseState>.fromOpaque(raw).takeUnretainedValue()
                state.doctypeLine = Int(context.pointee.input?.pointee.line ?? 0)
            }
            context.pointee.wellFormed = 0
            xmlStopParser(context)
        }
        sax.pointee.serror = { userData, error in
            guard let context = userData?.assumingMemoryBound(to: xmlParserCtxt.self),
                  let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
            // wellFormed = 0 also covers namespace errors, which libxml2 alone would let through.
            context.pointee.wellFormed = 0
            xmlStopParser(context)
        }
    }

    /// Builds the error for a failed parse from this context's own state (never libxml2's global error).
    private static func failure(of context: xmlParserCtxtPtr, state: ParseState) -> XMLParseError {
        if let line = state.doctypeLine {
            return XMLParseError(
                message: "DOCTYPE declarations are not accepted (DTDs and entities are disabled)",
                line: line, column: 1)
        }
        guard let error = xmlCtxtGetLastError(context), error.pointee.code != 0 else {
            return XMLParseError(message: "libxml2 rejected the document without an error message",
                                 line: 0, column: 0)
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "libxml2 error \(error.pointee.code)"
        return XMLParseError(
            message: message.trimmingCharacters(in: .whitespacesAndNewlines),
            line: Int(error.pointee.line), column: Int(error.pointee.int2))
    }
}

/// Copies a libxml2 element subtree into ``XMLElement`` values.
///
/// Recursion depth is bounded by libxml2's own nesting limit (256 levels without `XML_PARSE_HUGE`), so
/// a hostile document cannot exhaust the stack here.
enum TreeCopy {
    static func element(_ node: xmlNodePtr) -> XMLElement {
        var children: [XMLElement] = []
        var text = ""
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                children.append(element(current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { text += String(cString: content) }
            default:
                break  // comments, processing instructions: not data
            }
            child = current.pointee.next
        }
        return XMLElement(
            name: node.pointee.name.map { String(cString: $0) } ?? "",
            namespace: node.pointee.ns?.pointee.href.map { String(cString: $0) },
            attributes: attributes(of: node),
            children: children,
            text: text,
            line: Int(xmlGetLineNo(node)))
    }

    /// Attribute values by local name; `xmlNodeGetContent` resolves character references for us.
    private static func attributes(of node: xmlNodePtr) -> [String: String] {
        var result: [String: String] = [:]
        var attribute = node.pointee.properties
        while let current = attribute {
            if let name = current.pointee.name.map({ String(cString: $0) }), result[name] == nil {
                let raw = UnsafeMutableRawPointer(current).assumingMemoryBound(to: xmlNode.self)
                if let value = xmlNodeGetContent(raw) {
                    result[name] = String(cString: value)
                    prenv_xmlFree(value)
                } else {
                    result[name] = ""
                }
            }
            attribute = current.pointee.next
        }
        return result
    }
}
