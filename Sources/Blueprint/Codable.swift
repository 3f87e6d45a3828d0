// JSON shapes for what the orchestrator records: a rendered resource is stored with each node's
// state, so teardown works from the record even after the blueprint changed or disappeared.

/// A reference is stored as written, e.g. `"${build.outputs.name}"`.
extension Reference: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let inner = text.hasPrefix("${") && text.hasSuffix("}") ? String(text.dropFirst(2).dropLast()) : text
        guard case let .success(reference) = TemplateParser.classify(inner) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a reference: \(text)"))
        }
        self = reference
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Plain JSON: strings, booleans, arrays and objects; an unknown value is `{"$unknown": source}`
/// (no property key starts with `$`, so the marker cannot clash with a real mapping).
extension RenderedValue: Codable {
    static let unknownKey = "$unknown"

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([RenderedValue].self) {
            self = .list(items)
        } else {
            let object = try container.decode([String: RenderedValue].self)
            if object.count == 1, case let .string(source)? = object[Self.unknownKey] {
                self = .unknown(source: source)
            } else {
                self = .map(object)
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(text): try container.encode(text)
        case let .bool(flag): try container.encode(flag)
        case let .list(items): try container.encode(items)
        case let .map(values): try container.encode(values)
        case let .unknown(source): try container.encode([Self.unknownKey: source])
        }
    }
}
