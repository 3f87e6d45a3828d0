import Foundation
import Yams

/// `properties:` checked against the resource kind's schema and rules.
extension BlueprintDecoder {
    mutating func decodeProperties(_ entry: MappingEntry?, into resource: inout DecodedResource, kind: ResourceKind) {
        let anchor = entry?.keyLocation ?? resource.location
        var entries: [MappingEntry] = []
        if let node = entry?.value {
            guard case let .mapping(mapping) = node else {
                diagnostics.error(node.location, "`properties` of resource `\(resource.id)` must be a mapping, found \(node.kindDescription)")
                return
            }
            entries = self.entries(of: mapping)
        }
        reportUnknownKeys(entries, allowed: kind.properties.map(\.name), noun: "property", place: " for \(kind)")
        let context = PropertyContext(resource: resource.id, kind: kind)
        resource.properties = decodeFields(entries, schema: kind.properties, context: context, prefix: "", anchor: anchor)
        resource.propertyLocations = Dictionary(entries.map { ($0.key, $0.keyLocation) }, uniquingKeysWith: { first, _ in first })
        if repository != nil {
            checkIdentity(resource, kind: kind, entries: entries, anchor: anchor)
            checkRestrictedProperties(resource, kind: kind, anchor: anchor)
        }
        for rule in kind.rules {
            check(rule, entries: entries, what: "resource `\(resource.id)` (\(kind))", anchor: anchor)
        }
    }

    struct PropertyContext {
        var resource: String
        var kind: ResourceKind
    }

    /// Decodes the known fields of a mapping, reporting missing required ones at `anchor`.
    private mutating func decodeFields(
        _ entries: [MappingEntry], schema: [PropertySchema], context: PropertyContext, prefix: String, anchor: SourcePosition
    ) -> [String: PropertyValue] {
        var values: [String: PropertyValue] = [:]
        for field in schema {
            guard let entry = entries.first(where: { $0.key == field.name }) else {
                if field.required {
                    diagnostics.error(anchor, "resource `\(context.resource)` (\(context.kind)) is missing required property `\(prefix)\(field.name)`")
                }
                continue
            }
            if let value = decodeValue(entry, field: field, context: context, path: prefix + field.name) {
                values[field.name] = value
            }
        }
        return values
    }

    private mutating func decodeValue(_ entry: MappingEntry, field: PropertySchema, context: PropertyContext, path: String) -> PropertyValue? {
        let node = entry.value
        let described = "property `\(path)`"
        let wrongKind = { (found: String) in "\(described) must be \(field.expectation), found \(found)" }
        switch field.kind {
        case .string:
            guard let template = decodeTemplate(node, path: described, owner: context.resource) else { return nil }
            checkLiteralName(template, rule: field.nameRule, at: node.location)
            if repository != nil { checkExistingName(template, rule: field.nameRule, property: described, at: node.location) }
            return .string(template)
        case .verbatim, .file, .environmentVariableName:
            guard let text = node.text else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
            if case let .file(file) = field.kind { read(file, path: text, at: node.location) }
            if case let .environmentVariableName(prefix, reserved) = field.kind {
                checkEnvironmentVariableName(text, prefix: prefix, reserved: reserved, property: path, at: node.location)
                if repository != nil { checkAllowedSecret(text, property: described, at: node.location) }
            }
            return .string(Template(verbatim: text))
        case let .choice(allowed):
            return decodeChoice(node, path: described, allowed: allowed).map { .string(Template(verbatim: $0)) }
        case .bool:
            guard let value = node.boolValue else {
                diagnostics.error(node.location, wrongKind(node.text.map { "`\($0)`" } ?? node.kindDescription))
                return nil
            }
            return .bool(value)
        case let .choiceList(allowed):
            guard case let .sequence(items) = node else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
            let values = items.map { decodeChoice($0, path: described, allowed: allowed) }
            return values.contains(nil) ? nil : .list(values.compactMap { $0.map { .string(Template(verbatim: $0)) } })
        case .stringList:
            guard case let .sequence(items) = node else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
            let values = items.map { item -> String? in
                guard let text = item.text else {
                    diagnostics.error(item.location, "items of \(described) must be strings, found \(item.kindDescription)")
                    return nil
                }
                return text
            }
            return values.contains(nil) ? nil : .list(values.compactMap { $0.map { .string(Template(verbatim: $0)) } })
        case .stringMap:
            guard case let .mapping(mapping) = node else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
            var values: [String: PropertyValue] = [:]
            for item in entries(of: mapping) {
                if let template = decodeTemplate(item.value, path: "property `\(path).\(item.key)`", owner: context.resource) {
                    values[item.key] = .string(template)
                }
            }
            return .map(values)
        case let .object(fields):
            guard case let .mapping(mapping) = node else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
            let items = entries(of: mapping)
            reportUnknownKeys(items, allowed: fields.map(\.name), noun: "property", place: " in `\(path)`")
            return .map(decodeFields(items, schema: fields, context: context, prefix: path + ".", anchor: entry.keyLocation))
        }
    }

    /// A name written out in full is checked now: sanitising it silently would create a resource
    /// under a name the author never wrote. Interpolated names are sanitised at render time.
    private mutating func checkLiteralName(_ template: Template, rule: PropertySchema.NameRule?, at location: SourcePosition) {
        guard let rule = rule?.rule, let literal = template.literalValue, !rule.acceptsLiteral(literal) else { return }
        diagnostics.error(location, "`\(literal)` is not a valid \(rule.noun) (\(rule.rule))")
    }

    private mutating func check(_ rule: PropertyRule, entries: [MappingEntry], what: String, anchor: SourcePosition) {
        let entry: (String) -> MappingEntry? = { key in entries.first { $0.key == key } }
        switch rule {
        case let .exactlyOne(alternatives, conflict):
            let given = alternatives.filter { $0.properties.contains { entry($0) != nil } }
            guard let chosen = given.first else {
                diagnostics.error(anchor, "\(what) needs " + alternatives.map(\.described).joined(separator: " or "))
                return
            }
            if let first = chosen.properties.compactMap(entry).first {
                for other in given.dropFirst() {
                    for key in other.properties { if let conflicting = entry(key) {
                        diagnostics.error(conflicting.keyLocation, "property `\(key)` conflicts with `\(first.key)` (line \(first.keyLocation.line)): \(conflict)")
                    } }
                }
            }
            if given.count == 1 {
                for key in chosen.properties where entry(key) == nil {
                    diagnostics.error(anchor, "\(what) is missing required property `\(key)`: \(chosen.whenPartial)")
                }
            }
        }
    }

    /// Reads a file property now, so a typo in the path fails the blueprint, not an apply. Through `files`:
    /// a server blueprint reads next to its file, a repository's only from its own `.prenv/` snapshot.
    private mutating func read(_ file: FileProperty, path: String, at location: SourcePosition) {
        let data: Data
        switch files.read(path) {
        case let .problem(problem):
            diagnostics.error(location, "\(file.noun) `\(path)` \(problem)")
            return
        case let .data(found, location: foundAt):
            if repository != nil, !checkAllowedTemplateFile(foundAt, noun: file.noun, at: location) { return }
            data = found
        }
        guard data.count <= file.maxBytes else {
            diagnostics.error(location, "\(file.noun) `\(path)` is \(data.count) bytes; \(file.limitReason)")
            return
        }
        guard let text = String(data: data, encoding: .utf8) else {
            diagnostics.error(location, "\(file.noun) `\(path)` is not UTF-8 text")
            return
        }
        templateFiles[path] = text
    }

    /// The property names a variable holding the token, never the token: a token in a blueprint
    /// ends up in git history, logs and plans. The value is not echoed in case it is a token.
    private mutating func checkEnvironmentVariableName(
        _ name: String, prefix: String, reserved: Set<String>, property: String, at location: SourcePosition
    ) {
        let tokenPrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"]
        let isHex40 = name.count == 40 && name.unicodeScalars.allSatisfy { $0.isASCIIDigit || ("a"..."f").contains($0) }
        if tokenPrefixes.contains(where: name.hasPrefix) || isHex40 {
            diagnostics.error(location, "property `\(property)` looks like a GitHub token: store the token in an environment variable and write that variable's name here")
            return
        }
        let scalars = Array(name.unicodeScalars)
        let valid = scalars.first.map { $0.isASCIILetter || $0 == "_" } ?? false
            && scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" }
        if !valid {
            diagnostics.error(location, "property `\(property)` must be the name of an environment variable ([A-Za-z_][A-Za-z0-9_]*)")
        } else if !name.hasPrefix(prefix) {
            diagnostics.error(location, "property `\(property)` must name a variable beginning with `\(prefix)`, such as `\(prefix)GITHUB_OAUTH_TOKEN`: "
                + "only variables set for prenv on purpose may be handed to a resource, never the process's own credentials (e.g. AWS_SECRET_ACCESS_KEY)")
        } else if reserved.contains(name) {
            diagnostics.error(location, "property `\(property)` names `\(name)`, one of prenv's own settings; "
                + "hand a resource a variable set for it, such as `\(prefix)GITHUB_OAUTH_TOKEN`, never prenv's secrets")
        }
    }
}
