/// A string property as written, split into literal text and `${…}` references.
///
/// Parsed once at load time so that references (and the edges they imply) are known before
/// anything is created, and rendering is a plain substitution.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case reference(Reference)
    }

    /// A syntax problem inside one string, at a Unicode-scalar offset from the string's start.
    public struct Problem: Sendable, Hashable {
        public var offset: Int
        public var message: String
    }

    /// The text exactly as written in the blueprint (escapes not yet applied).
    public let source: String
    public let segments: [Segment]

    init(source: String, segments: [Segment]) {
        self.source = source
        self.segments = segments
    }

    /// A verbatim string that is never interpolated (e.g. a CloudFormation `template_body`, whose
    /// own `${AWS::Region}` syntax must reach CloudFormation untouched).
    public init(verbatim text: String) {
        self.init(source: text, segments: text.isEmpty ? [] : [.literal(text)])
    }

    /// Every reference, in order of appearance, without repeats.
    public var references: [Reference] {
        var seen: Set<Reference> = []
        return segments.compactMap {
            guard case let .reference(reference) = $0, seen.insert(reference).inserted else { return nil }
            return reference
        }
    }

    /// The text when there is nothing to substitute (escapes applied), else `nil`.
    public var literalValue: String? {
        var text = ""
        for segment in segments {
            guard case let .literal(part) = segment else { return nil }
            text += part
        }
        return text
    }

    public var description: String { source }

    /// Parses `text`, reporting every malformed `${…}` rather than stopping at the first.
    /// Malformed parts are kept as literal text so the rest can still be inspected.
    public static func parse(_ text: String) -> (template: Template, problems: [Problem]) {
        let parsed = parseWithOffsets(text)
        return (parsed.template, parsed.problems)
    }

    /// `parse`, plus each reference's offset (for diagnostics that point inside the string).
    static func parseWithOffsets(_ text: String) -> (template: Template, problems: [Problem], offsets: [(reference: Reference, offset: Int)]) {
        var parser = TemplateParser(text)
        parser.run()
        return (Template(source: text, segments: parser.segments), parser.problems, parser.offsets)
    }
}

/// Substituting values into a template.
extension Template {
    /// Substitutes what `resolve` knows; `value` is `nil` when any reference stayed unresolved
    /// (a half-substituted string is never handed out, since it could look like a real value).
    public func render(_ resolve: (Reference) -> String?) -> (value: String?, unresolved: [Reference]) {
        var text = ""
        var unresolved: [Reference] = []
        for segment in segments {
            switch segment {
            case let .literal(part): text += part
            case let .reference(reference):
                if let value = resolve(reference) { text += value } else if !unresolved.contains(reference) { unresolved.append(reference) }
            }
        }
        return (unresolved.isEmpty ? text : nil, unresolved)
    }

    /// Substitutes the PR's context and the outputs known so far (`outputs[resource][key]`).
    public func render(context: PRContext, blueprint: String, outputs: [String: [String: String]]) -> (value: String?, unresolved: [Reference]) {
        render { reference in
            switch reference {
            case let .context(variable): context.value(of: variable, blueprint: blueprint)
            case let .output(resource, key): outputs[resource]?[key]
            }
        }
    }
}
