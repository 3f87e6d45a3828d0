import Blueprint
import Foundation
import Orchestrator

/// The record a group of record-less orphans would have had: their discovered nodes, with the
/// dependencies that order a teardown. From the blueprint named by `prenv:blueprint`, through each
/// resource's `prenv:node` tag (transitively, so a missing middle resource still orders the ends);
/// when the blueprint is not loaded or a resource's tag does not name one of its resources of that
/// type, from `dependencyOrder` for the whole group (each type waits for every later type to go).
struct SyntheticEnvironment {
    /// Node id per finding, in the findings' order; unique (a repeated `prenv:node` gets `#2`, …).
    let ids: [String]
    let nodes: [String: NodeRecord]
    /// Node id → the types of everything that must be deleted before it.
    private let dependents: [String: Set<ResourceType>]

    init(findings: [OrphanFinding], blueprint: Blueprint?, dependencyOrder: [ResourceType]) {
        var used = Set<String>()
        let ids = findings.map { finding -> String in
            let base = finding.environment.node ?? (finding.resource.node.id.isEmpty ? finding.resource.identifier : finding.resource.node.id)
            var id = base
            var count = 1
            while used.contains(id) {
                count += 1
                id = "\(base)#\(count)"
            }
            used.insert(id)
            return id
        }
        let types = findings.map(\.resource.type)
        var dependencies: [String: Set<String>] = [:]
        var dependents: [String: Set<ResourceType>] = [:]
        if let blueprint, let tags = Self.blueprintTags(findings, blueprint) {
            let closure = Self.transitiveDependencies(blueprint.dependencies)
            for (index, id) in ids.enumerated() {
                let waitsFor = closure[tags[index]] ?? []
                dependencies[id] = Set(ids.indices.filter { waitsFor.contains(tags[$0]) }.map { ids[$0] })
                dependents[id] = Set(blueprint.resources.filter { closure[$0.id]?.contains(tags[index]) == true }.map(\.type))
            }
        } else {
            let rank = { (type: ResourceType) in dependencyOrder.firstIndex(of: type) ?? dependencyOrder.count }
            for (index, id) in ids.enumerated() {
                let own = rank(types[index])
                dependencies[id] = Set(ids.indices.filter { rank(types[$0]) < own }.map { ids[$0] })
                dependents[id] = Set(dependencyOrder.filter { rank($0) > own })
            }
        }
        var nodes: [String: NodeRecord] = [:]
        for (index, id) in ids.enumerated() {
            var node = findings[index].resource.node
            node.id = id
            node.type = types[index]
            node.status = .created
            node.dependencies = dependencies[id] ?? []
            nodes[id] = node
        }
        self.ids = ids
        self.nodes = nodes
        self.dependents = dependents
    }

    /// The types that may still depend on `id` (a failed discovery of one of them keeps it).
    func dependentTypes(of id: String) -> Set<ResourceType> { dependents[id] ?? [] }

    /// Each finding's `prenv:node` tag, when every one names a resource of the blueprint of its type.
    private static func blueprintTags(_ findings: [OrphanFinding], _ blueprint: Blueprint) -> [String]? {
        var tags: [String] = []
        for finding in findings {
            guard let tag = finding.environment.node, blueprint.resource(tag)?.type == finding.resource.type else { return nil }
            tags.append(tag)
        }
        return tags
    }

    /// Resource id → every id it waits for, directly or through others.
    static func transitiveDependencies(_ direct: [String: Set<String>]) -> [String: Set<String>] {
        var closure: [String: Set<String>] = [:]
        func visit(_ id: String, _ path: Set<String>) -> Set<String> {
            if let known = closure[id] { return known }
            var all = Set<String>()
            for next in direct[id] ?? [] where !path.contains(next) {  // loaded blueprints have no cycles; be safe anyway
                all.insert(next)
                all.formUnion(visit(next, path.union([id])))
            }
            closure[id] = all
            return all
        }
        for id in direct.keys { _ = visit(id, []) }
        return closure
    }
}
