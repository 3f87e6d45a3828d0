/// A left-to-right layered drawing of an environment's resource graph, computed here so the page
/// needs no script: each resource sits in the column one past the deepest resource it depends on
/// (longest path from the roots), so every edge points rightwards, in dependency order. Within a
/// column, resources are ordered by the mean row of what they depend on (fewer crossings), then by id.
/// Dependencies on resources not in the graph are dropped; a cycle (records from an older
/// blueprint can disagree with a newer one) is not an error: its resources go in one last column.
struct GraphLayout: Sendable, Equatable {
    struct Node: Sendable, Equatable {
        var id: String
        var column: Int
        var row: Int
        var x: Int
        var y: Int
    }

    struct Edge: Sendable, Equatable {
        /// The dependency (drawn on the left) and its dependent.
        var from: String
        var to: String
        /// An SVG path: a cubic curve from the right edge of `from` to the left edge of `to`.
        var path: String
    }

    static let nodeWidth = 200
    static let nodeHeight = 58
    static let columnGap = 56
    static let rowGap = 22
    static let margin = 12

    var nodes: [Node]
    var edges: [Edge]
    var width: Int
    var height: Int

    /// - Parameter dependencies: resource id → the ids it depends on.
    init(ids: [String], dependencies: [String: Set<String>]) {
        let idSet = Set(ids)
        let deps = Dictionary(uniqueKeysWithValues: idSet.map { ($0, (dependencies[$0] ?? []).intersection(idSet).subtracting([$0])) })
        // Longest path, by repeated relaxation in Kahn's order; what never becomes ready is in a cycle.
        var column: [String: Int] = [:]
        var remaining = deps.mapValues(\.count)
        var ready = idSet.filter { remaining[$0] == 0 }.sorted()
        let dependents = Dictionary(grouping: deps.flatMap { node, on in on.map { ($0, node) } }, by: \.0).mapValues { $0.map(\.1).sorted() }
        while !ready.isEmpty {
            let node = ready.removeFirst()
            column[node] = (deps[node] ?? []).compactMap { column[$0] }.max().map { $0 + 1 } ?? 0
            for dependent in dependents[node] ?? [] {
                remaining[dependent, default: 0] -= 1
                if remaining[dependent] == 0 { ready.append(dependent) }
            }
        }
        let lastColumn = (column.values.max() ?? -1) + 1
        for id in idSet where column[id] == nil { column[id] = lastColumn }

        var rows: [String: Int] = [:]
        let columns = Dictionary(grouping: idSet, by: { column[$0] ?? 0 })
        for index in columns.keys.sorted() {
            let members = (columns[index] ?? []).sorted { lhs, rhs in
                let (left, right) = (Self.meanRow(lhs, deps, rows), Self.meanRow(rhs, deps, rows))
                return left != right ? left < right : lhs < rhs
            }
            for (row, id) in members.enumerated() { rows[id] = row }
        }

        nodes = idSet.map { id in
            let (c, r) = (column[id] ?? 0, rows[id] ?? 0)
            return Node(id: id, column: c, row: r, x: Self.margin + c * (Self.nodeWidth + Self.columnGap),
                        y: Self.margin + r * (Self.nodeHeight + Self.rowGap))
        }.sorted { ($0.column, $0.row) < ($1.column, $1.row) }
        let position = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        edges = nodes.flatMap { node in
            (deps[node.id] ?? []).sorted().compactMap { dependency -> Edge? in
                guard let from = position[dependency] else { return nil }
                return Edge(from: dependency, to: node.id, path: Self.curve(from: from, to: node))
            }
        }.sorted { lhs, rhs in
            let key = { (edge: Edge) in (position[edge.from]?.column ?? 0, position[edge.from]?.row ?? 0, position[edge.to]?.row ?? 0) }
            return key(lhs) < key(rhs)
        }
        let columnCount = (nodes.map(\.column).max() ?? -1) + 1
        let rowCount = (nodes.map(\.row).max() ?? -1) + 1
        width = max(1, columnCount) * Self.nodeWidth + max(0, columnCount - 1) * Self.columnGap + 2 * Self.margin
        let skips = nodes.contains { node in (deps[node.id] ?? []).contains { (position[$0]?.column ?? node.column) < node.column - 1 } }
        height = max(1, rowCount) * Self.nodeHeight + max(0, rowCount - 1) * Self.rowGap + 2 * Self.margin + (skips ? Self.detour / 2 : 0)
    }

    private static func meanRow(_ id: String, _ deps: [String: Set<String>], _ rows: [String: Int]) -> Double {
        let placed = (deps[id] ?? []).compactMap { rows[$0] }
        return placed.isEmpty ? 0 : Double(placed.reduce(0, +)) / Double(placed.count)
    }

    /// From the middle of the dependency's right side to just before the dependent's left side
    /// (the arrowhead fills the rest), bending halfway between the two columns. An edge that skips
    /// columns dips below its rows (`detour`), so it is not hidden behind the resources it passes.
    private static func curve(from: Node, to: Node) -> String {
        let (x1, y1) = (from.x + nodeWidth, from.y + nodeHeight / 2)
        let (x2, y2) = (to.x - 6, to.y + nodeHeight / 2)
        guard to.column - from.column > 1 else {
            let middle = (x1 + x2) / 2
            return "M\(x1) \(y1) C\(middle) \(y1) \(middle) \(y2) \(x2) \(y2)"
        }
        let low = max(y1, y2) + detour
        return "M\(x1) \(y1) C\(x1 + 60) \(low) \(x2 - 60) \(low) \(x2) \(y2)"
    }

    /// How far below the middle of its rows a column-skipping edge's control points lie: the curve
    /// then reaches three quarters of it, clear of the resources' bottom edge.
    static let detour = 64
}
