/// One element of a parsed XML document, copied out of libxml2 into plain Swift values.
///
/// Why a copy: libxml2 trees are mutable C memory owned by one document. Copying once and freeing the C
/// document immediately makes every value `Sendable`, lets callers keep results across `await`s, and
/// guarantees no C pointer outlives the parse.
///
/// Names are matched by **local name** only (no prefix, no namespace): AWS Query and REST-XML responses put
/// every element in one default namespace, so namespace-qualified matching would only add noise. The
/// namespace URI is kept in ``namespace`` for callers that need to check it.
public struct XMLElement: Sendable, Equatable {
    /// Local name, without any prefix (`member`, not `cfn:member`).
    public let name: String
    /// Namespace URI the element is in (from a default `xmlns` or a prefix), or `nil` if none.
    public let namespace: String?
    /// Attributes by local name. Namespace declarations (`xmlns`, `xmlns:p`) are not attributes. If two
    /// attributes share a local name in different namespaces, the first one in document order wins.
    public let attributes: [String: String]
    /// Element children in document order (text, comments and processing instructions are not children).
    public let children: [XMLElement]
    /// Concatenated direct text and CDATA content, **verbatim** (not trimmed): S3 keys and values may begin
    /// or end with whitespace that matters. Trim at the call site for human-formatted fields such as error
    /// messages. Text inside child elements is not included.
    public let text: String
    /// 1-based source line of the start tag, for error messages (0 if libxml2 did not know it).
    public let line: Int

    /// Creates an element; mostly useful for tests and for the parser's copy-out.
    public init(
        name: String,
        namespace: String? = nil,
        attributes: [String: String] = [:],
        children: [XMLElement] = [],
        text: String = "",
        line: Int = 0
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
    }

    /// The first direct child with this local name.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// All direct children with this local name, in document order.
    public func children(_ name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// Follows `names` one step at a time, taking the first matching child at each step.
    /// `root.path("DescribeStacksResult", "Stacks", "member")` is the first stack; no names returns `self`.
    public func path(_ names: String...) -> XMLElement? {
        path(names)
    }

    /// The ``text`` of the element at `path(names)`, or `nil` when any step is missing.
    /// An element that is present but empty (`<PhysicalResourceId/>`) gives `""`, not `nil`.
    public func string(_ names: String...) -> String? {
        path(names)?.text
    }

    /// Every element reachable through `names`, branching at each step: `all("Stacks", "member")` returns
    /// the members of every `Stacks` child, in document order. No names returns `[self]`.
    public func all(_ names: String...) -> [XMLElement] {
        names.reduce([self]) { level, name in level.flatMap { $0.children(name) } }
    }

    /// Array form of ``path(_:)``, so the variadic entry points can share it.
    func path(_ names: [String]) -> XMLElement? {
        var current = self
        for name in names {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current
    }
}
