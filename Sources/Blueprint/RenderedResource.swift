/// A property value with the PR's context and the known outputs substituted.
public indirect enum RenderedValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case bool(Bool)
    case list([RenderedValue])
    case map([String: RenderedValue])
    /// Depends on an output that does not exist yet; a plan prints it as `(known after apply)`.
    /// `source` is the template as written, e.g. `${site.outputs.SiteURL}`.
    case unknown(source: String)

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// Whether no `.unknown` is left anywhere inside.
    public var isKnown: Bool {
        switch self {
        case .string, .bool: true
        case let .list(values): values.allSatisfy(\.isKnown)
        case let .map(values): values.values.allSatisfy(\.isKnown)
        case .unknown: false
        }
    }

    /// A stable, readable rendering for plans and logs (maps sorted by key).
    public var description: String {
        switch self {
        case let .string(value): value
        case let .bool(value): String(value)
        case let .list(values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case let .map(values): "{" + values.keys.sorted().map { "\($0): \(values[$0]?.description ?? "")" }.joined(separator: ", ") + "}"
        case .unknown: "(known after apply)"
        }
    }
}

/// One resource rendered for one PR: what a provider creates, or a plan shows.
public struct RenderedResource: Sendable, Hashable, Identifiable, Codable {
    public let id: String
    public let type: ResourceType
    /// Every property, defaults included; name properties already sanitised for their service;
    /// for a stack with `template_file`, `template_body` holds the file's contents.
    public let properties: [String: RenderedValue]
    /// Output references whose values were not supplied, sorted and without repeats.
    public let unresolved: [Reference]
    /// The resource ids this one waits for (implicit and explicit).
    public let dependencies: Set<String>

    public init(id: String, type: ResourceType, properties: [String: RenderedValue], unresolved: [Reference], dependencies: Set<String>) {
        self.id = id
        self.type = type
        self.properties = properties
        self.unresolved = unresolved
        self.dependencies = dependencies
    }

    /// Whether every value is known, i.e. the resource can be created now.
    public var isResolved: Bool { unresolved.isEmpty }

    /// A string property's value, if known.
    public func string(_ key: String) -> String? { properties[key]?.stringValue }
}

/// A whole blueprint rendered for one PR.
public struct RenderedBlueprint: Sendable, Hashable {
    public let blueprint: String
    /// `env.name` for this PR.
    public let envName: String
    /// In blueprint file order.
    public let resources: [RenderedResource]
    public let statusTargetURL: RenderedValue?
    /// Every edge, implicit and explicit: resource id → ids it waits for.
    public let dependencies: [String: Set<String>]

    public init(blueprint: String, envName: String, resources: [RenderedResource], statusTargetURL: RenderedValue?, dependencies: [String: Set<String>]) {
        self.blueprint = blueprint
        self.envName = envName
        self.resources = resources
        self.statusTargetURL = statusTargetURL
        self.dependencies = dependencies
    }

    public func resource(_ id: String) -> RenderedResource? { resources.first { $0.id == id } }
}
