/// A reference from one node to a node the graph does not contain.
///
/// A struct rather than a tuple so `GraphError` can be `Equatable` and tests can compare whole errors.
public struct UnknownNodeReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The node whose dependency list names the unknown node.
    public var node: String
    /// The name that matches no node.
    public var missing: String

    public init(node: String, missing: String) {
        self.node = node
        self.missing = missing
    }

    /// Sorted by the referring node, then the missing name, so error messages are stable between runs.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.node, lhs.missing) < (rhs.node, rhs.missing)
    }

    public var description: String { "\(nodeID: node) depends on unknown node \(nodeID: missing)" }
}

/// Why a graph could not be built or ordered.
///
/// Every case lists *all* offending references or cycles at once: a user fixing a blueprint should see
/// every problem in one run, not one per run.
public enum GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    /// References to nodes that do not exist, sorted by referring node then missing name.
    case unknownNodes([UnknownNodeReference])
    /// Dependency cycles, each as the nodes along the cycle in "depends on" order, starting at its
    /// lexicographically smallest node: `["a", "b", "c"]` means a depends on b, b on c, c on a.
    /// See `ResourceGraph.cycleReport(limit:)` for how many are listed.
    case cycles([[String]])

    /// One line per problem, e.g. `a depends on unknown node x` or `dependency cycle: a → b → c → a`.
    public var description: String {
        switch self {
        case .unknownNodes(let references):
            return references.map(\.description).joined(separator: "\n")
        case .cycles(let cycles):
            return cycles.map(Self.describeCycle).joined(separator: "\n")
        }
    }

    /// `dependency cycle: a → b → a`; a self-loop reads `dependency cycle: a → a`.
    static func describeCycle(_ cycle: [String]) -> String {
        let closed = cycle + cycle.prefix(1)
        return "dependency cycle: " + closed.map { "\(nodeID: $0)" }.joined(separator: " → ")
    }
}

extension String.StringInterpolation {
    /// Node ids come from user-written blueprints; quote them only when they would otherwise be ambiguous
    /// in a message (empty, or containing spaces, arrows or quotes), so ordinary names read cleanly.
    mutating func appendInterpolation(nodeID id: String) {
        let needsQuoting = id.isEmpty || id.contains { $0 == " " || $0 == "\"" || $0 == "→" || $0.isNewline }
        if needsQuoting {
            appendLiteral("\"")
            for character in id {
                switch character {
                case "\"": appendLiteral("\\\"")
                case "\\": appendLiteral("\\\\")
                case let newline where newline.isNewline: appendLiteral("\\n")
                default: appendLiteral(String(character))
                }
            }
            appendLiteral("\"")
        } else {
            appendLiteral(id)
        }
    }
}
