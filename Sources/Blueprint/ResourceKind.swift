/// The name authors write in `type:` (`aws/s3-prefix`), and what records store.
///
/// A plain string wrapper rather than an enum: the engine learns which types exist from the kinds it
/// is given (`ResourceKinds`), so adding a type never touches the engine.
public struct ResourceType: RawRepresentable, Sendable, Hashable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { self.init(rawValue: name) }
    public init(stringLiteral value: String) { self.init(rawValue: value) }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Everything the engine must know about one type of resource, declared once by the type's provider
/// (the folder `Sources/Providers/<Kind>/`) and handed to the blueprint loader, planner and
/// documentation: the schema that validates and renders properties, the outputs references may use,
/// the properties that force a replace, and a line for the reference documentation.
///
/// Compared by `type` alone: two kinds with one type name cannot be registered together.
public struct ResourceKind: Sendable, Hashable, CustomStringConvertible {
    public let type: ResourceType
    /// One line for `blueprints/README.md`'s type reference.
    public let summary: String
    public let properties: [PropertySchema]
    /// Constraints between properties (e.g. "a template or an inline definition").
    public let rules: [PropertyRule]
    public let outputs: OutputSchema
    /// Properties the service cannot change in place: a new value means a new resource (replace).
    public let immutableProperties: Set<String>

    public init(
        type: ResourceType, summary: String, properties: [PropertySchema], rules: [PropertyRule] = [],
        outputs: OutputSchema, immutableProperties: Set<String>
    ) {
        self.type = type
        self.summary = summary
        self.properties = properties
        self.rules = rules
        self.outputs = outputs
        self.immutableProperties = immutableProperties
    }

    public var description: String { type.rawValue }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.type == rhs.type }
    public func hash(into hasher: inout Hasher) { hasher.combine(type) }
}

/// The outputs of a kind: a fixed set every resource has once created, and optionally an open family
/// whose members cannot be known without asking the cloud (a stack's template outputs, a pipeline's
/// `stage.<StageName>`).
public struct OutputSchema: Sendable, Hashable {
    public enum Open: Sendable, Hashable {
        case none
        /// Any key; `described` is how the documentation and messages spell it.
        case any(described: String)
        /// Keys `<prefix><something>`.
        case prefixed(String, described: String)
    }

    /// Promised by the provider for every created resource.
    public let fixed: [String]
    public let open: Open
    /// The outputs in words, for the type reference (it must name every fixed output).
    public let summary: String

    public init(fixed: [String], open: Open = .none, summary: String) {
        self.fixed = fixed
        self.open = open
        self.summary = summary
    }

    /// Whether `${id.outputs.<key>}` can exist.
    public func contains(_ key: String) -> Bool {
        if fixed.contains(key) { return true }
        switch open {
        case .none: return false
        case .any: return true
        case let .prefixed(prefix, _): return key.hasPrefix(prefix) && key.count > prefix.count
        }
    }

    /// "`a`, `b` and `stage.<StageName>`", for messages and the documentation.
    public var spelled: String {
        switch open {
        case .none: Suggestions.list(fixed)
        case let .any(described), let .prefixed(_, described): Suggestions.list(fixed) + " and " + described
        }
    }
}

/// The kinds a blueprint may use, by type name. Built once by the composition root and passed to the
/// loader, so a blueprint naming a type nobody registered is a load error with suggestions.
public struct ResourceKinds: Sendable, Hashable {
    public let all: [ResourceKind]
    private let byType: [ResourceType: ResourceKind]

    /// Kinds in documentation order; a type registered twice is a programming error.
    public init(_ kinds: [ResourceKind]) {
        var byType: [ResourceType: ResourceKind] = [:]
        for kind in kinds {
            precondition(byType[kind.type] == nil, "resource type \(kind.type) registered twice")
            byType[kind.type] = kind
        }
        self.all = kinds
        self.byType = byType
    }

    public subscript(type: ResourceType) -> ResourceKind? { byType[type] }
    public var typeNames: [String] { all.map(\.type.rawValue) }
}
