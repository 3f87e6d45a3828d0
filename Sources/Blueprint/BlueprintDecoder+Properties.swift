import Yams

/// `properties:` checked against the resource type's schema.
extension BlueprintDecoder {
    mutating func decodeProperties(_ entry: MappingEntry?, into resource: inout DecodedResource, type: ResourceType) {
        let anchor = entry?.keyLocation ?? resource.location
        var entries: [MappingEntry] = []
        if let node = entry?.value {
            guard case let .mapping(mapping) = node else {
                diagnostics.error(node.location, "`properties` of resource `\(resource.id)` must be a mapping, found \(node.kindDescription)")
                return
            }
            entries = self.entries(of: mapping)
        }
        let schema = type.schema
        reportUnknownKeys(entries, allowed: schema.map(\.name), noun: "property", place: " for \(type)")
        let context = PropertyContext(resource: resource.id, type: type)
        resource.properties = decodeFields(entries, schema: schema, context: context, prefix: "", anchor: anchor)
        resource.propertyLocations = Dictionary(entries.map { ($0.key, $0.keyLocation) }, uniquingKeysWith: { first, _ in first })
        checkRules(of: resource, type: type, entries: entries, anchor: anchor)
    }

    struct PropertyContext {
        var resource: String
        var type: ResourceType
    }

    /// Decodes the known fields of a mapping, reporting missing required ones at `anchor`.
    private mutating func decodeFields(
        _ entries: [MappingEntry], schema: [PropertySchema], context: PropertyContext, prefix: String, anchor: SourcePosition
    ) -> [String: PropertyValue] {
        var values: [String: PropertyValue] = [:]
        for field in schema {
            guard let entry = entries.first(where: { $0.key == field.name }) else {
                if field.required {
                    diagnostics.error(anchor, "resource `\(context.resource)` (\(context.type)) is missing required property `\(prefix)\(field.name)`")
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
            return .string(template)
        case .verbatim:
            guard let text = node.text else { diagnostics.error(node.location, wrongKind(node.kindDescription)); return nil }
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
        guard let rule, let literal = template.literalValue else { return }
        let kind: AWSNameKind
        switch rule {
        case let .sanitized(name), let .existing(name): kind = name
        }
        // A key prefix gets its trailing `/` at render time, so a literal may leave it out.
        let checked = kind == .s3KeyPrefix && !literal.hasSuffix("/") ? literal + "/" : literal
        if !kind.isValid(checked) {
            diagnostics.error(location, "`\(literal)` is not a valid \(kind.noun) (\(kind.rule))")
        }
    }
}
