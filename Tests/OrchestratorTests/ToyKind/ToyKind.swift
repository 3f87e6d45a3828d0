import Blueprint
import Orchestrator

/// A resource kind that lives in memory: the proof that a new type is one kind value plus one
/// provider, with no edit to the engine (see CONTRIBUTING.md, "Adding a resource type").
///
/// `toy/lamp`: a named lamp with a colour; the name is its identity (replace), the colour can change
/// in place (update); `watts` or `lumens`, exactly one; outputs `id` and one `bulb.<n>` per bulb.
enum ToyKind {
    static let lampType: ResourceType = "toy/lamp"

    /// Lamp names: 1–20 of `[a-z0-9-]`, starting with a letter.
    static let lampName = NamingRule.characters(
        noun: "lamp name", rule: "1–20 characters from [a-z0-9-], starting with a letter", length: 1...20,
        allowed: { NamingRule.isLowercaseOrDigit($0) || $0 == "-" }, first: { ("a"..."z").contains($0) },
        sanitizedFirst: { ("a"..."z").contains($0) }
    )

    static let lamp = ResourceKind(
        type: lampType,
        summary: "A lamp in the toy cloud.",
        properties: [
            .string("name", required: true, name: .sanitized(lampName), "The lamp's name; sanitised."),
            PropertySchema(name: "colour", kind: .choice(["red", "green", "blue"]), defaultValue: "red", summary: "Its colour."),
            .string("watts", "Power, or…"),
            .string("lumens", "…brightness."),
            PropertySchema(name: "bulbs", kind: .stringMap, summary: "Bulb number → label."),
        ],
        rules: [.exactlyOne([.init(["watts"], described: "`watts`"), .init(["lumens"], described: "`lumens`")], conflict: "give one of them")],
        outputs: OutputSchema(fixed: ["id"], open: .prefixed("bulb.", described: "`bulb.<n>`"), summary: "`id`, and `bulb.<n>` per bulb."),
        immutableProperties: ["name"]
    )

    static let kinds = ResourceKinds([lamp])
}

/// The toy cloud: lamps by name, and a journal of every call in order.
actor ToyCloud {
    struct Lamp: Equatable {
        var colour: String
        var power: String
        var owner: String
    }

    private(set) var lamps: [String: Lamp] = [:]
    private(set) var journal: [String] = []
    private var nextID = 0

    func put(_ name: String, _ lamp: Lamp, created: Bool) -> String {
        journal.append("\(created ? "create" : "update") \(name)")
        lamps[name] = lamp
        nextID += 1
        return "lamp-\(nextID)"
    }

    func remove(_ name: String) {
        journal.append("delete \(name)")
        lamps[name] = nil
    }
}

/// The provider of `toy/lamp`: converges a lamp in `ToyCloud` and refuses one another environment owns.
struct ToyLampProvider: ResourceProvider {
    let cloud: ToyCloud
    var type: ResourceType { ToyKind.lampType }

    struct Foreign: Error, CustomStringConvertible {
        var name: String
        var description: String { "lamp \(name) belongs to another environment" }
    }

    func apply(_ request: ApplyRequest) async throws -> ApplyResult {
        guard let name = request.properties["name"]?.stringValue, let colour = request.properties["colour"]?.stringValue else {
            throw Foreign(name: "?")
        }
        if let existing = await cloud.lamps[name], existing.owner != request.context.envName { throw Foreign(name: name) }
        let power = request.properties["watts"]?.stringValue.map { $0 + " W" } ?? request.properties["lumens"]?.stringValue.map { $0 + " lm" } ?? ""
        let created = request.action == .create
        let id = await cloud.put(name, ToyCloud.Lamp(colour: colour, power: power, owner: request.context.envName), created: created)
        var outputs = ["id": id]
        if case let .map(bulbs)? = request.properties["bulbs"] {
            for (number, label) in bulbs { outputs["bulb.\(number)"] = label.stringValue }
        }
        return ApplyResult(outputs: outputs, physicalName: name)
    }

    func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        guard let name = record.physicalName else { return }
        await cloud.remove(name)
    }
}
