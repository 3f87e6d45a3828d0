import Blueprint
import ResourceGraph

/// Pure: compares a blueprint rendered for one PR with what was recorded, and says per node what to do.
/// No I/O, so plans can be printed (`prenv plan`) and tested without a cloud.
public enum Planner {
    /// The plan to converge `recorded` to `blueprint` for `context`.
    ///
    /// Nodes are visited dependencies first; a node that will be created or replaced withholds its
    /// recorded outputs from dependents, which therefore see `.unknown` and plan an update. Nodes that
    /// are recorded but no longer in the blueprint are deleted, dependents first, along their
    /// *recorded* dependencies.
    public static func plan(blueprint: Blueprint, context: PRContext, recorded: EnvironmentRecord?) -> Plan {
        let dependencies = blueprint.dependencies
        let order = (try? ResourceGraph(dependencies: dependencies).topologicalOrder()) ?? blueprint.resources.map(\.id)
        let nodes = recorded?.nodes ?? [:]
        var outputs = recorded?.createdOutputs ?? [:]
        var steps: [PlanStep] = []
        for id in order {
            guard let spec = blueprint.resource(id) else { continue }
            let rendered = blueprint.render(spec, context: context, outputs: outputs)
            let action = action(for: rendered, immutable: spec.kind.immutableProperties, record: nodes[id])
            switch action {
            case .create, .replace: outputs[id] = nil
            case .update, .noop, .delete: break
            }
            steps.append(PlanStep(id: id, type: rendered.type, action: action,
                                  dependsOn: rendered.dependencies.sorted(), properties: rendered.properties))
        }
        let removed = nodes.values.filter { $0.mayExist && blueprint.resource($0.id) == nil }
        let deletes = deleteSteps(removed)
        var map = dependencies
        for step in deletes { map[step.id] = Set(step.dependsOn) }
        return Plan(steps: steps + deletes, graph: Plan.graph(map))
    }

    /// The plan to tear an environment down, from the record alone: every node that may still exist
    /// is deleted, dependents before dependencies, along the dependencies recorded at create time.
    /// Works after the blueprint changed or was deleted.
    public static func destroyPlan(recorded: EnvironmentRecord) -> Plan {
        let steps = deleteSteps(recorded.nodes.values.filter(\.mayExist))
        return Plan(steps: steps, graph: Plan.graph(Dictionary(uniqueKeysWithValues: steps.map { ($0.id, Set($0.dependsOn)) })))
    }

    /// Delete steps for `records`, dependents first. `dependsOn` lists every recorded dependency; only
    /// those also being deleted order the steps (the others stay, so there is nothing to wait for).
    static func deleteSteps(_ records: [NodeRecord]) -> [PlanStep] {
        let ids = Set(records.map(\.id))
        let map = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0.dependencies.intersection(ids)) })
        let order = (try? Plan.graph(map).reverseTopologicalOrder()) ?? ids.sorted()
        let byID = Dictionary(uniqueKeysWithValues: records.map { ($0.id, $0) })
        return order.compactMap { id in
            byID[id].map {
                PlanStep(id: id, type: $0.type, action: .delete, dependsOn: $0.dependencies.sorted(), properties: $0.properties)
            }
        }
    }
}

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
