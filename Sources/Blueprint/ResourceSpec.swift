/// One resource of a blueprint, as declared (not yet rendered for a PR).
public struct ResourceSpec: Sendable, Hashable, Identifiable {
    /// The key under `resources:`; unique, `[a-z][a-z0-9_-]{0,62}`.
    public let id: String
    /// The kind it was validated against: its schema renders the properties.
    public let kind: ResourceKind
    public var type: ResourceType { kind.type }
    /// Properties as written; defaults are filled in by `render`, not here.
    public let properties: [String: PropertyValue]
    /// Explicit `depends_on` entries, in file order.
    public let dependsOn: [String]
    /// Every `${…}` in the properties, without repeats.
    public let references: [Reference]
    /// Where the resource id is written.
    public let location: SourcePosition
    /// Where each property key is written, for tools that point back at the file.
    public let propertyLocations: [String: SourcePosition]

    public init(
        id: String, kind: ResourceKind, properties: [String: PropertyValue], dependsOn: [String] = [],
        location: SourcePosition = .start, propertyLocations: [String: SourcePosition] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.properties = properties
        self.dependsOn = dependsOn
        self.location = location
        self.propertyLocations = propertyLocations
        var seen: Set<Reference> = []
        self.references = kind.properties.compactMap { properties[$0.name] }.flatMap(\.references).filter { seen.insert($0).inserted }
    }

    /// The resources this one must wait for: those whose outputs it references, plus `depends_on`.
    public var dependencies: Set<String> {
        Set(references.compactMap(\.resource)).union(dependsOn).subtracting([id])
    }
}
