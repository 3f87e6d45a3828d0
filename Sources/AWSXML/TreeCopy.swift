import CLibXML2

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
