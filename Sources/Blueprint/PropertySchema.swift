/// What one property of a resource type accepts. Drives decoding, validation and default values,
/// so the rules live in one table (`ResourceType.schema`) instead of scattered `if`s.
struct PropertySchema: Sendable {
    indirect enum Kind: Sendable {
        /// A string with `${…}` interpolation.
        case string
        /// A string passed on untouched: no interpolation (it has a `${…}` syntax of its own).
        case verbatim
        /// A literal string from a fixed set (AWS enumerations).
        case choice([String])
        case bool
        /// A list of literal strings from a fixed set.
        case choiceList([String])
        /// Literal keys to interpolated string values.
        case stringMap
        /// A nested mapping with its own fields.
        case object([PropertySchema])
    }

    /// How an AWS name rule applies to a property.
    enum NameRule: Sendable {
        /// Sanitised to fit `kind` at render time; a literal that does not fit is an error at load.
        case sanitized(AWSNameKind)
        /// The name of something that already exists: only checked when literal, never rewritten.
        case existing(AWSNameKind)
    }

    var name: String
    var kind: Kind
    var required: Bool = false
    /// Applied at render time when the property is absent (a template, so it may use context).
    var defaultValue: String?
    var nameRule: NameRule?

    static func string(_ name: String, required: Bool = false, default value: String? = nil, name rule: NameRule? = nil) -> Self {
        PropertySchema(name: name, kind: .string, required: required, defaultValue: value, nameRule: rule)
    }

    /// A human noun for the kind, used in "must be …" messages.
    var expectation: String {
        switch kind {
        case .string, .verbatim: "a string"
        case let .choice(values): "one of \(Suggestions.list(values))"
        case .bool: "a boolean (true or false)"
        case .choiceList: "a list of strings"
        case .stringMap: "a mapping of strings"
        case .object: "a mapping"
        }
    }
}
