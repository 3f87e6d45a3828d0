import Blueprint
import Foundation
import Orchestrator
import Testing

/// A kind the engine has never heard of goes through the whole path: validate, plan, apply (create,
/// update, replace), destroy; no AWS, no edit to Blueprint or Orchestrator.
@Suite("A toy resource kind, end to end without AWS")
struct ToyKindTests {
    static let yaml = """
        name: lamps
        on: { repositories: [acme/site] }
        resources:
          hall:
            type: toy/lamp
            properties: { name: "hall-${pr.head.ref}", watts: "60", bulbs: { "1": warm, "2": cold } }
          porch:
            type: toy/lamp
            properties: { name: "porch-${pr.number}", colour: "green", lumens: "${hall.outputs.bulb.2}" }
        """

    static let context = PRContext(owner: "acme", repository: "site", number: 5, headSHA: String(repeating: "a", count: 40),
                                   headRef: "feature/Lights!", baseRef: "main", author: "octocat")
    static let key = EnvironmentKey(repository: "acme/site", pr: 5, blueprint: "lamps")

    static func load(_ yaml: String = yaml) throws(BlueprintErrors) -> Blueprint {
        try BlueprintLoader.parse(yaml: yaml, file: "lamps.yaml", baseDirectory: "/nonexistent", kinds: ToyKind.kinds)
    }

    static func diagnostics(_ yaml: String) -> [String] {
        do throws(BlueprintErrors) {
            _ = try load(yaml)
            return []
        } catch {
            return error.diagnostics.map(\.message)
        }
    }

    @Test("the loader validates against the toy kind's schema, rules and outputs")
    func validates() {
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: "type: toy/lamp\n    properties: { name: \"porch", with: "type: toy/lmap\n    properties: { name: \"porch"))
            == ["unknown resource type `toy/lmap`; did you mean `toy/lamp`?"])
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: "colour: \"green\"", with: "colour: \"pink\""))
            == ["unknown value `pink` for property `colour`; expected one of `red`, `green`, `blue`"])
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: ", watts: \"60\"", with: ""))
            == ["resource `hall` (toy/lamp) needs `watts` or `lumens`"])
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: "bulb.2", with: "wattage"))
            == ["unknown output `wattage` of resource `hall` (toy/lamp); its outputs are `id` and `bulb.<n>`"])
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: "porch-${pr.number}", with: "Porch_Lamp"))
            == ["`Porch_Lamp` is not a valid lamp name (1–20 characters from [a-z0-9-], starting with a letter)"])
        // The AWS kinds are not registered here: the engine knows only what it is given.
        #expect(Self.diagnostics(Self.yaml.replacingOccurrences(of: "type: toy/lamp\n    properties: { name: \"porch", with: "type: aws/s3-prefix\n    properties: { name: \"porch")).first?
            .hasPrefix("unknown resource type `aws/s3-prefix`") == true)
    }

    @Test("plan, apply, update, replace and destroy a toy environment")
    func wholeLifecycle() async throws {
        let blueprint = try Self.load()
        let hall = try #require(blueprint.render(resource: "hall", context: Self.context)?.string("name"))
        #expect(hall == "hall-" + StableHash.nameSuffix("hall-feature/Lights!"), "sanitised with the kind's rule")

        let plan = Planner.plan(blueprint: blueprint, context: Self.context, recorded: nil)
        #expect(plan.steps.map(\.id) == ["hall", "porch"])
        #expect(plan.steps.map(\.action) == [.create, .create])

        let cloud = ToyCloud()
        let store = InMemoryStateStore()
        let executor = Executor(providers: [ToyLampProvider(cloud: cloud)], store: store)
        let created = await executor.apply(plan: plan, blueprint: blueprint, context: Self.context, key: Self.key)
        #expect(created.succeeded, "\(created.summary)")
        #expect(await cloud.lamps["porch-5"] == ToyCloud.Lamp(colour: "green", power: "cold lm", owner: blueprint.envName(for: Self.context)))
        #expect(await cloud.lamps[hall]?.colour == "red", "the schema default applies")

        // Colour is mutable: an update in place. Name is immutable: a replace.
        let edited = try Self.load(Self.yaml.replacingOccurrences(of: "watts: \"60\"", with: "watts: \"60\", colour: blue")
            .replacingOccurrences(of: "porch-${pr.number}", with: "stoop-${pr.number}"))
        let recorded = try await store.load(Self.key)
        let second = Planner.plan(blueprint: edited, context: Self.context, recorded: recorded)
        #expect(second.step("hall")?.action == .update(changed: ["colour"]))
        #expect(second.step("porch")?.action == .replace(reason: "name is immutable"))
        let changed = await executor.apply(plan: second, blueprint: edited, context: Self.context, key: Self.key)
        #expect(changed.succeeded, "\(changed.summary)")
        #expect(await cloud.lamps[hall]?.colour == "blue")
        let lamps = await cloud.lamps
        #expect(lamps["stoop-5"] != nil && lamps["porch-5"] == nil)

        let final = try #require(try await store.load(Self.key))
        let destroyed = await executor.destroy(recorded: final)
        #expect(destroyed.succeeded, "\(destroyed.summary)")
        #expect(await cloud.lamps.isEmpty)
        let journal = await cloud.journal
        #expect(journal.suffix(2) == ["delete stoop-5", "delete \(hall)"], "dependents first: \(journal)")
        #expect(try await store.load(Self.key) == nil)
    }
}
