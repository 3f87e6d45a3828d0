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
    private mutating func reportCycles(ids: [String]) {
        var position: [String: Int] = [:]
        for (offset, id) in ids.enumerated() where position[id] == nil { position[id] = offset }
        var successors = [Set<Int>](repeating: [], count: ids.count)
        for located in references {
            guard let owner = located.owner, let from = position[owner],
                  let target = located.reference.resource, let to = position[target], from != to else { continue }
            successors[from].insert(to)
        }
        for (from, resource) in resources.enumerated() {
            for dependency in resource.dependsOn {
                if let to = position[dependency.id], to != from { successors[from].insert(to) }
            }
        }
        let found = CycleFinder.cycles(successors: successors.map { $0.sorted() })
        for cycle in found.cycles {
            let names = (cycle + [cycle[0]]).map { ids[$0] }.joined(separator: " → ")
            diagnostics.error(resources[cycle[0]].location, "dependency cycle: \(names)")
        }
        if found.truncated, let first = found.cycles.first {
            diagnostics.error(resources[first[0]].location, "more dependency cycles not shown (the first \(found.cycles.count) are listed)")
        }
    }
}
