/// A property's value as written, already checked against its type's schema.
///
/// Strings keep their parsed `Template`; mapping keys are literal (never interpolated).
public indirect enum PropertyValue: Sendable, Hashable {
    case string(Template)
    case bool(Bool)
    case list([PropertyValue])
    case map([String: PropertyValue])

    /// Every reference inside, depth first, in a deterministic order (map keys sorted).
    public var references: [Reference] {
        switch self {
        case let .string(template): template.references
        case .bool: []
        case let .list(values): values.flatMap(\.references)
        case let .map(values): values.keys.sorted().flatMap { values[$0]?.references ?? [] }
        }
    }

    public var template: Template? {
        if case let .string(template) = self { return template }
        return nil
    }
}
