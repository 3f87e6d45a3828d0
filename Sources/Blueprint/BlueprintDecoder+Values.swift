import Yams

/// A `${…}` with where it is written and which resource's property holds it (`nil`: `status`).
struct LocatedReference {
    var reference: Reference
    var location: SourcePosition
    var owner: String?
}

/// Scalar and list decoding shared by every section.
extension BlueprintDecoder {
    /// Parses an interpolated string, reporting malformed `${…}` at their exact position and
    /// remembering each reference for validation once all resources are known.
    mutating func decodeTemplate(_ node: Node, path: String, owner: String?) -> Template? {
        guard let text = node.text else {
            diagnostics.error(node.location, "\(path) must be a string, found \(node.kindDescription)")
            return nil
        }
        let (template, problems, offsets) = Template.parseWithOffsets(text)
        for problem in problems {
            diagnostics.error(location(inside: node, offset: problem.offset), problem.message)
        }
        for (reference, offset) in offsets {
            references.append(LocatedReference(reference: reference, location: location(inside: node, offset: offset), owner: owner))
        }
        return problems.isEmpty ? template : nil
    }

    /// A list of plain strings (globs, labels, ids); `nil` after reporting a wrong shape.
    mutating func decodeStringList(_ node: Node, path: String, expectation: String = "a list of strings") -> [(String, SourcePosition)]? {
        guard case let .sequence(sequence) = node else {
            diagnostics.error(node.location, "\(path) must be \(expectation), found \(node.kindDescription)")
            return nil
        }
        var values: [(String, SourcePosition)] = []
        for item in sequence {
            guard let text = item.text else {
                diagnostics.error(item.location, "entries of \(path) must be strings, found \(item.kindDescription)")
                continue
            }
            values.append((text, item.location))
        }
        return values
    }

    /// A literal from a fixed set, with a "did you mean" for near misses.
    mutating func decodeChoice(_ node: Node, path: String, allowed: [String]) -> String? {
        guard let text = node.text else {
            diagnostics.error(node.location, "\(path) must be one of \(Suggestions.list(allowed)), found \(node.kindDescription)")
            return nil
        }
        guard allowed.contains(text) else {
            let hint = Suggestions.hint(for: text, in: allowed)
            diagnostics.error(node.location, "unknown value `\(text)` for \(path)" + (hint.isEmpty ? "; expected one of \(Suggestions.list(allowed))" : hint))
            return nil
        }
        return text
    }
}
