import Blueprint
import Foundation
import Orchestrator

struct PlanHeader {
    var blueprint: String
    var repository: String
    var pr: Int
    var envName: String
}

/// The three renderings of a plan; JSON is a contract for other tools (keys: `nodes[].id/type/action/depends_on/properties`).
enum PlanRendering {
    static func symbol(_ action: PlanAction) -> String {
        switch action {
        case .create: "+"
        case .update: "~"
        case .replace: "±"
        case .delete: "-"
        case .noop: "="
        }
    }

    static func text(_ plan: Plan, header: PlanHeader) -> String {
        var lines = ["plan for \(header.repository)#\(header.pr), blueprint \(header.blueprint), environment \(header.envName)"]
        let width = plan.steps.map(\.id.count).max() ?? 0
        let typeWidth = plan.steps.map(\.type.rawValue.count).max() ?? 0
        for step in plan.steps {
            let id = step.id.padding(toLength: width, withPad: " ", startingAt: 0)
            let type = step.type.rawValue.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
            var line = "  \(symbol(step.action)) \(id)  \(type)  \(step.action)"
            if !step.dependsOn.isEmpty { line += "  after " + step.dependsOn.joined(separator: ", ") }
            lines.append(line)
            for key in step.properties.keys.sorted() where key != "template_body" {
                lines.append("      \(key) = \(step.properties[key]?.description ?? "")")
            }
        }
        var counts: [String: Int] = [:]
        for step in plan.steps { counts[name(step.action), default: 0] += 1 }
        lines.append(["create", "update", "replace", "delete", "noop"].map { "\(counts[$0] ?? 0) \($0 == "noop" ? "unchanged" : "to \($0)")" }
            .joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func name(_ action: PlanAction) -> String {
        switch action {
        case .create: "create"
        case .update: "update"
        case .replace: "replace"
        case .delete: "delete"
        case .noop: "noop"
        }
    }

    struct JSONPlan: Encodable {
        struct Node: Encodable {
            var id: String
            var type: String
            var action: String
            var changed: [String]?
            var reason: String?
            var depends_on: [String]
            var properties: [String: RenderedValue]
        }

        var blueprint: String
        var repository: String
        var pr: Int
        var env_name: String
        var nodes: [Node]
    }

    static func json(_ plan: Plan, header: PlanHeader) throws -> String {
        let nodes = plan.steps.map { step in
            var node = JSONPlan.Node(id: step.id, type: step.type.rawValue, action: name(step.action), depends_on: step.dependsOn, properties: step.properties)
            if case .update(let changed) = step.action { node.changed = changed }
            if case .replace(let reason) = step.action { node.reason = reason }
            return node
        }
        let document = JSONPlan(blueprint: header.blueprint, repository: header.repository, pr: header.pr, env_name: header.envName, nodes: nodes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    static func dot(_ plan: Plan) -> String {
        let labels = Dictionary(uniqueKeysWithValues: plan.steps.map { ($0.id, "\($0.id)\n\($0.type.rawValue)\n\(name($0.action))") })
        return plan.graph.dot(labels: labels)
    }
}
