import Yams

/// Small questions asked of Yams nodes while decoding.
extension Node {
    var location: SourcePosition {
        mark.map { SourcePosition(line: $0.line, column: $0.column) } ?? .start
    }

    /// `null`, `~` or nothing at all, unquoted. A quoted `""` is an empty string, not null.
    var isNull: Bool {
        guard case let .scalar(scalar) = self, scalar.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the value reads to a person, for "found …" in messages.
    var kindDescription: String {
        switch self {
        case .scalar: isNull ? "null" : "a string"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The text of a non-null scalar.
    var text: String? {
        guard case let .scalar(scalar) = self, !isNull else { return nil }
        return scalar.string
    }

    /// `true`/`false` as YAML 1.2 spells them, unquoted. YAML 1.1's `yes`/`on` are not accepted:
    /// `on: yes` meaning `true` has surprised enough people.
    var boolValue: Bool? {
        guard case let .scalar(scalar) = self, scalar.style == .plain else { return nil }
        switch scalar.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }
}

/// One key of a mapping with where it is written.
struct MappingEntry {
    var key: String
    var keyLocation: SourcePosition
    var value: Node
}

extension BlueprintDecoder {
    /// The entries of a mapping, minus placeholders for already-reported duplicate keys.
    /// Keys that are not strings are reported and skipped.
    mutating func entries(of mapping: Node.Mapping) -> [MappingEntry] {
        mapping.compactMap { key, value in
            guard let text = key.text else {
                diagnostics.error(key.location, "mapping keys must be strings, found \(key.kindDescription)")
                return nil
            }
            return ignoredKeys.contains(text) ? nil : MappingEntry(key: text, keyLocation: key.location, value: value)
        }
    }

    /// The entries of a section that must be a mapping with keys from `allowed` (`on`, `status`,
    /// `expire`, a resource …): nil after reporting "`<what>` must be a mapping<shape>, found …";
    /// unknown keys are reported (with `place`) and still returned.
    mutating func sectionEntries(_ entry: MappingEntry, what: String, shape: String = "", allowed: [String], place: String) -> [MappingEntry]? {
        guard case let .mapping(mapping) = entry.value else {
            diagnostics.error(entry.value.location, "\(what) must be a mapping\(shape), found \(entry.value.kindDescription)")
            return nil
        }
        let entries = entries(of: mapping)
        reportUnknownKeys(entries, allowed: allowed, place: place)
        return entries
    }

    /// Reports keys outside `allowed`, suggesting the closest allowed one.
    /// `place` completes "unknown key `x` …": empty at the top level, else e.g. " in `on`".
    mutating func reportUnknownKeys(_ entries: [MappingEntry], allowed: [String], noun: String = "key", place: String) {
        for entry in entries where !allowed.contains(entry.key) {
            let hint = Suggestions.hint(for: entry.key, in: allowed)
            let expected = hint.isEmpty ? "; expected one of \(Suggestions.list(allowed))" : hint
            diagnostics.error(entry.keyLocation, "unknown \(noun) `\(entry.key)`\(place)\(expected)")
        }
    }

    /// The position of `${` at `offset` inside a scalar: exact when the scalar sits on one line,
    /// otherwise the scalar's own position.
    func location(inside node: Node, offset: Int) -> SourcePosition {
        guard case let .scalar(scalar) = node else { return node.location }
        let start = node.location
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let candidate = SourcePosition(line: start.line, column: start.column + offset + (quoted ? 1 : 0))
        return source.has("${", at: candidate) ? candidate : start
    }
}

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
