extension ResourceGraph {
    /// The graph in Graphviz DOT, for `prenv plan --graph | dot -Tsvg`.
    ///
    /// Edges are drawn dependency → dependent, so arrows follow the order resources are created in.
    /// Every id and label is quoted and escaped (blueprint names may hold anything a YAML key can);
    /// `labels[node]` replaces the node's displayed text, e.g. with its type or plan action. Nodes and edges
    /// come out sorted, so the text is stable enough to diff or snapshot-test.
    public func dot(labels: [String: String] = [:]) -> String {
        var lines = ["digraph resources {", "  rankdir=LR;", "  node [shape=box];"]
        for node in nodes {
            if let label = labels[node] {
                lines.append("  \(Self.dotQuoted(node)) [label=\(Self.dotQuoted(label))];")
            } else {
                lines.append("  \(Self.dotQuoted(node));")
            }
        }
        for (dependency, dependent) in edges {
            lines.append("  \(Self.dotQuoted(dependency)) -> \(Self.dotQuoted(dependent));")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A DOT double-quoted string: backslashes and quotes escaped, line breaks as `\n` (which Graphviz
    /// renders as a centred line break), so no id can end the string or inject DOT syntax.
    static func dotQuoted(_ text: String) -> String {
        var quoted = "\""
        for character in text {
            switch character {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case let newline where newline.isNewline: quoted += "\\n"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }
}
