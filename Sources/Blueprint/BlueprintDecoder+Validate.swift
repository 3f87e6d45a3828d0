import ResourceGraph

/// Checks that need every resource decoded first: references, `depends_on` and cycles.
extension BlueprintDecoder {
    mutating func validate() {
        var byID: [String: DecodedResource] = [:]
        for resource in resources where byID[resource.id] == nil { byID[resource.id] = resource }
        let ids = resources.map(\.id)

        for located in references {
            guard case let .output(id, key) = located.reference else { continue }
            guard let target = byID[id] else {
                diagnostics.error(located.location, "reference to unknown resource `\(id)` in `\(located.reference)`" + Suggestions.hint(for: id, in: ids))
                continue
            }
            if id == located.owner {
                diagnostics.error(located.location, "resource `\(id)` cannot refer to its own output `\(located.reference)`")
            } else if let kind = target.kind, !kind.outputs.contains(key) {
                let hint = Suggestions.hint(for: key, in: kind.outputs.fixed)
                diagnostics.error(located.location, "unknown output `\(key)` of resource `\(id)` (\(kind))" + (hint.isEmpty ? "; its outputs are \(kind.outputs.spelled)" : hint))
            }
        }
        for resource in resources {
            var seen: Set<String> = []
            for dependency in resource.dependsOn {
                if byID[dependency.id] == nil {
                    diagnostics.error(dependency.location, "`depends_on` names unknown resource `\(dependency.id)`" + Suggestions.hint(for: dependency.id, in: ids))
                } else if dependency.id == resource.id {
                    diagnostics.error(dependency.location, "resource `\(resource.id)` cannot depend on itself")
                } else if !seen.insert(dependency.id).inserted {
                    diagnostics.warning(dependency.location, "`depends_on` of resource `\(resource.id)` lists `\(dependency.id)` twice")
                }
            }
        }
        reportCycles(ids: ids)
    }

    /// One diagnostic per elementary cycle, at the resource where it starts (the first in the file),
    /// spelled in dependency order: `a → b → a` means `a` waits for `b`, which waits for `a`.
    ///
    /// `ResourceGraph` finds the cycles (Johnson's algorithm, capped, at least one per cyclic component),
    /// starting each at its smallest node id and listing them in id order. Naming each resource by its
    /// zero-padded file position makes that order the file order, the order a reader scans the file in.
    private mutating func reportCycles(ids: [String]) {
        var position: [String: Int] = [:]
        for (offset, id) in ids.enumerated() where position[id] == nil { position[id] = offset }
        let width = String(ids.count).count
        func node(_ offset: Int) -> String {
            let digits = String(offset)
            return String(repeating: "0", count: width - digits.count) + digits
        }
        var dependencies: [String: Set<String>] = [:]
        for offset in position.values { dependencies[node(offset)] = [] }
        for located in references {
            guard let owner = located.owner, let from = position[owner],
                  let target = located.reference.resource, let to = position[target], from != to else { continue }
            dependencies[node(from), default: []].insert(node(to))
        }
        // A repeated id is checked as its first declaration; a later one's `depends_on` cannot close a cycle.
        for (from, resource) in resources.enumerated() where position[resource.id] == from {
            for dependency in resource.dependsOn {
                if let to = position[dependency.id], to != from { dependencies[node(from), default: []].insert(node(to)) }
            }
        }
        // Every edge above joins two keys of `dependencies`, so the graph cannot refuse it. Self-dependencies
        // are left out (they have their own diagnostic), so every cycle has at least two resources.
        guard let graph = try? ResourceGraph(dependencies: dependencies) else { return }
        let report = graph.cycleReport(limit: Self.cycleLimit)
        let cycles = report.cycles.map { cycle in cycle.compactMap { Int($0) } }
        for cycle in cycles {
            let names = (cycle + [cycle[0]]).map { ids[$0] }.joined(separator: " → ")
            diagnostics.error(resources[cycle[0]].location, "dependency cycle: \(names)")
        }
        if report.isTruncated, let first = cycles.first {
            diagnostics.error(resources[first[0]].location, "more dependency cycles not shown (the first \(cycles.count) are listed)")
        }
    }

    /// How many cycles are named before "more dependency cycles not shown": past twenty, more names
    /// help nobody fix a blueprint.
    static let cycleLimit = 20
}
