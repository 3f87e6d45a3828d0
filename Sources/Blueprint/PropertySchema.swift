/// What one property of a resource kind accepts. Drives decoding, validation, defaults and rendering,
/// so a kind's rules live in one table (`ResourceKind.properties`) instead of scattered `if`s.
public struct PropertySchema: Sendable {
    public indirect enum Kind: Sendable {
        /// A string with `${…}` interpolation.
        case string
        /// A string passed on untouched: no interpolation (it has a `${…}` syntax of its own).
        case verbatim
        /// A literal string from a fixed set (AWS enumerations).
        case choice([String])
        case bool
        /// A list of literal strings from a fixed set.
        case choiceList([String])
        /// A list of literal strings (names of things, no interpolation).
        case stringList
        /// Literal keys to interpolated string values.
        case stringMap
        /// A nested mapping with its own fields.
        case object([PropertySchema])
        /// A literal path, relative to the blueprint's folder, of a UTF-8 file read at load (so a typo
        /// fails the blueprint, not an apply) and rendered into another property.
        case file(FileProperty)
        /// The literal name of an environment variable holding a secret: never the secret itself.
        /// The name must begin with `prefix` (e.g. `PRENV_`), so a blueprint can only hand a provider
        /// a variable set for prenv on purpose, never `AWS_SECRET_ACCESS_KEY` or `GITHUB_TOKEN`.
        case environmentVariableName(prefix: String, reserved: Set<String> = [])
    }

    /// How a naming rule applies to a property.
    public enum NameRule: Sendable {
        /// Sanitised to fit the rule at render time; a literal that does not fit is an error at load.
        case sanitized(NamingRule)
        /// The name of something that already exists: only checked when literal, never rewritten.
        case existing(NamingRule)

        public var rule: NamingRule {
            switch self {
            case let .sanitized(rule), let .existing(rule): rule
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var required: Bool
    /// Applied at render time when the property is absent (a template, so it may use context).
    public var defaultValue: String?
    public var nameRule: NameRule?
    /// The notes column of the type reference in `blueprints/README.md`.
    public var summary: String
    /// The default column when it is not `defaultValue` (e.g. "project's own").
    public var documentedDefault: String?

    public init(
        name: String, kind: Kind, required: Bool = false, defaultValue: String? = nil, nameRule: NameRule? = nil,
        summary: String = "", documentedDefault: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.nameRule = nameRule
        self.summary = summary
        self.documentedDefault = documentedDefault
    }

    /// An interpolated string property.
    public static func string(
        _ name: String, required: Bool = false, default value: String? = nil, name rule: NameRule? = nil,
        documentedDefault: String? = nil, _ summary: String = ""
    ) -> Self {
        PropertySchema(name: name, kind: .string, required: required, defaultValue: value, nameRule: rule, summary: summary,
                       documentedDefault: documentedDefault)
    }

    /// A human noun for the kind, used in "must be …" messages.
    var expectation: String {
        switch kind {
        case .string, .verbatim, .file, .environmentVariableName: "a string"
        case let .choice(values): "one of \(Suggestions.list(values))"
        case .bool: "a boolean (true or false)"
        case .choiceList, .stringList: "a list of strings"
        case .stringMap: "a mapping of strings"
        case .object: "a mapping"
        }
    }
}

/// A property naming a file whose contents the resource needs (a stack template).
public struct FileProperty: Sendable {
    /// The property that receives the file's contents when rendered.
    public var renderedInto: String
    public var maxBytes: Int
    /// What the file is, for messages ("template file").
    public var noun: String
    /// Why `maxBytes`, for messages ("CloudFormation accepts at most 51200 bytes inline").
    public var limitReason: String

    public init(renderedInto: String, maxBytes: Int, noun: String, limitReason: String) {
        self.renderedInto = renderedInto
        self.maxBytes = maxBytes
        self.noun = noun
        self.limitReason = limitReason
    }
}

/// A constraint between properties of one resource, checked at load.
public enum PropertyRule: Sendable {
    /// Exactly one of the alternatives must be given, each in full (every property of the group).
    /// `conflict` finishes the message when two are given ("give one of them").
    case exactlyOne([Alternative], conflict: String)

    public struct Alternative: Sendable {
        public var properties: [String]
        /// How the "needs …" message spells this alternative, e.g. "`template` (an existing project to copy)".
        public var described: String
        /// Finishes the "missing required property" message when the group is given in part.
        public var whenPartial: String

        public init(_ properties: [String], described: String, whenPartial: String = "") {
            self.properties = properties
            self.described = described
            self.whenPartial = whenPartial
        }
    }
}
