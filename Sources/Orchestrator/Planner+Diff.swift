import Blueprint

extension Planner {
    /// Property names whose rendered value differs from the recorded one, sorted.
    ///
    /// An `.unknown` rendered value counts as changed: it is unknown because an upstream output will be
    /// produced afresh (a create or replace upstream), so the applied value will likely differ. Known
    /// parts of maps and lists are compared structurally, so `{A: x, B: unknown}` vs `{A: x, B: y}` is
    /// a change of that property (one name), not of the whole resource.
    public static func changedProperties(rendered: [String: RenderedValue], recorded: [String: RenderedValue]) -> [String] {
        Set(rendered.keys).union(recorded.keys).filter { name in
            guard let new = rendered[name], let old = recorded[name] else { return true }
            return !new.isKnown || new != old
        }.sorted()
    }

    /// The action for a node present in the blueprint, given its record (if any). `immutable` are the
    /// kind's properties that cannot change in place (`ResourceKind.immutableProperties`).
    static func action(for rendered: RenderedResource, immutable: Set<String>, record: NodeRecord?) -> PlanAction {
        guard let record, record.status == .created || record.status == .updating else {
            // Absent, or a create that never finished (crash, failure, half-deleted): create again;
            // the provider receives the record and adopts what exists.
            return .create
        }
        if record.type != rendered.type {
            return .replace(reason: "type changed from \(record.type) to \(rendered.type)")
        }
        let changed = changedProperties(rendered: rendered.properties, recorded: record.properties)
        let replaced = changed.filter(immutable.contains)
        if !replaced.isEmpty {
            return .replace(reason: replaced.joined(separator: ", ") + (replaced.count == 1 ? " is" : " are") + " immutable")
        }
        return changed.isEmpty ? .noop : .update(changed: changed)
    }
}
