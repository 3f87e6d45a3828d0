import Yams

/// A resource as far as decoding got: kept even when invalid so that references to it, and cycles
/// through it, are still checked.
struct DecodedResource {
    var id: String
    var location: SourcePosition
    /// `nil` when the type is missing or unknown (its properties are then not checked).
    var kind: ResourceKind?
    var properties: [String: PropertyValue] = [:]
    var propertyLocations: [String: SourcePosition] = [:]
    var dependsOn: [(id: String, location: SourcePosition)] = []

    var spec: ResourceSpec? {
        kind.map {
            ResourceSpec(id: id, kind: $0, properties: properties, dependsOn: dependsOn.map(\.id),
                         location: location, propertyLocations: propertyLocations)
        }
    }
}

/// The `resources:` section.
extension BlueprintDecoder {
    static let resourceKeys = ["type", "properties", "depends_on"]
    static let idPattern = "[a-z][a-z0-9_-]{0,62}"

    mutating func decodeResources(_ entry: MappingEntry) {
        guard case let .mapping(mapping) = entry.value else {
            diagnostics.error(entry.value.location, "`resources` must be a mapping from resource ids to resources, found \(entry.value.kindDescription)")
            return
        }
        let entries = entries(of: mapping)
        if entries.isEmpty {
            diagnostics.error(entry.keyLocation, "`resources` must declare at least one resource")
        }
        for resource in entries {
            resources.append(decodeResource(resource))
        }
    }

    static func isResourceID(_ id: String) -> Bool {
        let scalars = Array(id.unicodeScalars)
        guard let first = scalars.first, scalars.count <= 63, ("a"..."z").contains(first) else { return false }
        return scalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "_" || $0 == "-" }
    }

    private mutating func decodeResource(_ entry: MappingEntry) -> DecodedResource {
        let id = entry.key
        var resource = DecodedResource(id: id, location: entry.keyLocation)
        if !Self.isResourceID(id) {
            diagnostics.error(entry.keyLocation, "invalid resource id `\(id)`: ids must match \(Self.idPattern)")
        }
        guard let entries = sectionEntries(entry, what: "resource `\(id)`", shape: " with `type` and `properties`", allowed: Self.resourceKeys,
                                           place: " in resource `\(id)`") else { return resource }
        let value: (String) -> MappingEntry? = { key in entries.first { $0.key == key } }

        if let node = value("depends_on")?.value {
            let ids = decodeStringList(node, path: "`depends_on` of resource `\(id)`", expectation: "a list of resource ids")
            resource.dependsOn = (ids ?? []).map { (id: $0.0, location: $0.1) }
        }
        guard let typeEntry = value("type") else {
            diagnostics.error(entry.keyLocation, "missing required key `type` in resource `\(id)`")
            return resource
        }
        resource.kind = decodeKind(typeEntry.value, resource: id)
        if let kind = resource.kind {
            decodeProperties(value("properties"), into: &resource, kind: kind)
        }
        return resource
    }

    private mutating func decodeKind(_ node: Node, resource id: String) -> ResourceKind? {
        guard let text = node.text else {
            diagnostics.error(node.location, "`type` of resource `\(id)` must be a string, found \(node.kindDescription)")
            return nil
        }
        if let kind = kinds[ResourceType(text)] {
            if let repository, !repository.policy.allows(type: text) {
                diagnostics.error(node.location, "resource type `\(text)` is not allowed for blueprints read from \(repository.repository) "
                    + "(the operator's `allow_types`: \(repository.policy.allowTypes.map { Suggestions.list($0) } ?? "every type"))")
                return nil
            }
            return kind
        }
        let names = kinds.typeNames
        let hint = Suggestions.hint(for: text, in: names)
        diagnostics.error(node.location, "unknown resource type `\(text)`" + (hint.isEmpty ? "; expected one of \(Suggestions.list(names))" : hint))
        return nil
    }
}
