/// The "Resources" type reference of `blueprints/README.md`, written from the kinds themselves so the
/// documentation cannot drift from what the loader accepts (a test compares the two).
public enum TypeReference {
    /// One `### \`<type>\`` section per kind, in registration order.
    public static func markdown(_ kinds: ResourceKinds) -> String {
        kinds.all.map(section).joined(separator: "\n")
    }

    static func section(_ kind: ResourceKind) -> String {
        let alternatives = Set(kind.rules.flatMap { rule in
            switch rule {
            case let .exactlyOne(options, _): options.flatMap(\.properties)
            }
        })
        var lines = ["### `\(kind.type)`", "", kind.summary, "", "| property | required | type | default | notes |", "|---|---|---|---|---|"]
        for property in kind.properties {
            let required = property.required ? "yes" : alternatives.contains(property.name) ? "one of" : "no"
            let fallback = property.documentedDefault ?? property.defaultValue.map { "`\($0)`" } ?? ""
            let cells = ["`\(property.name)`", required, typeName(property.kind), fallback, property.summary]
            lines.append(cells.map { $0.isEmpty ? "| " : "| \($0) " }.joined() + "|")
        }
        lines += ["", "Outputs: " + kind.outputs.summary, ""]
        return lines.joined(separator: "\n")
    }

    static func typeName(_ kind: PropertySchema.Kind) -> String {
        switch kind {
        case .string, .verbatim, .choice, .file, .environmentVariableName: "string"
        case .bool: "boolean"
        case .choiceList, .stringList: "list"
        case .stringMap: "mapping of strings"
        case .object: "mapping"
        }
    }
}
