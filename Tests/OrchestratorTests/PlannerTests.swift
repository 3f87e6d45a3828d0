import Blueprint
import Orchestrator
import Testing

@Suite("Planner")
struct PlannerTests {
    @Test("a first plan creates every node in dependency order, unknown outputs shown as unknown")
    func createPlan() throws {
        let plan = Planner.plan(blueprint: try Fixtures.webapp(), context: Fixtures.context(), recorded: nil)
        #expect(plan.steps.map(\.id) == ["artifacts", "build", "pipeline", "site"])
        #expect(plan.steps.allSatisfy { $0.action == .create })
        #expect(plan.step("build")?.dependsOn == ["artifacts"])
        #expect(plan.step("pipeline")?.dependsOn == ["build"])
        // `site` references artifacts (implicit) and lists pipeline in depends_on (explicit).
        #expect(plan.step("site")?.dependsOn == ["artifacts", "pipeline"])
        #expect(plan.graph.dependencies(of: "site") == ["artifacts", "pipeline"])
        #expect(plan.step("artifacts")?.properties["prefix"] == .string("webapp/pr-7/"))
        #expect(plan.step("build")?.properties["source_version"] == .string(String(repeating: "a", count: 40)))
        #expect(plan.step("build")?.properties["environment_variables"]
            == .map(["ARTIFACT_URI": .unknown(source: "${artifacts.outputs.uri}")]))
        #expect(plan.step("site")?.properties["parameters"]?.isKnown == false)
    }

    @Test("re-planning after a recorded apply changes nothing")
    func noopReplan() throws {
        let blueprint = try Fixtures.webapp()
        let recorded = Fixtures.record(for: blueprint, context: Fixtures.context())
        let plan = Planner.plan(blueprint: blueprint, context: Fixtures.context(), recorded: recorded)
        #expect(plan.steps.map(\.action) == [.noop, .noop, .noop, .noop])
        #expect(plan.isEmpty)
        #expect(plan.step("build")?.properties["environment_variables"]
            == .map(["ARTIFACT_URI": .string("s3://acme-previews/webapp/pr-7/")]))
    }

    @Test("a new head SHA updates the nodes that use it, naming the changed properties")
    func updateOnNewSHA() throws {
        let blueprint = try Fixtures.webapp()
        let recorded = Fixtures.record(for: blueprint, context: Fixtures.context())
        let plan = Planner.plan(blueprint: blueprint, context: Fixtures.context(sha: String(repeating: "b", count: 40)), recorded: recorded)
        #expect(plan.step("artifacts")?.action == .noop)
        #expect(plan.step("build")?.action == .update(changed: ["source_version"]))
        #expect(plan.step("pipeline")?.action == .update(changed: ["source_revision"]))
        #expect(plan.step("site")?.action == .noop)
    }

    @Test("changing an immutable property replaces the node; dependents see unknown outputs and update")
    func replaceOnImmutableChange() throws {
        let original = try Fixtures.webapp()
        let recorded = Fixtures.record(for: original, context: Fixtures.context())
        let edited = try Fixtures.webapp { $0.replacingOccurrences(of: "bucket: acme-previews", with: "bucket: acme-previews-2") }
        let plan = Planner.plan(blueprint: edited, context: Fixtures.context(), recorded: recorded)
        #expect(plan.step("artifacts")?.action == .replace(reason: "bucket is immutable"))
        #expect(plan.step("build")?.action == .update(changed: ["environment_variables"]))
        #expect(plan.step("pipeline")?.action == .noop)
        #expect(plan.step("site")?.action == .update(changed: ["parameters"]))
    }

    @Test("a changed resource type replaces the node")
    func replaceOnTypeChange() throws {
        let blueprint = try Fixtures.webapp()
        var recorded = Fixtures.record(for: blueprint, context: Fixtures.context())
        recorded.nodes["site"]?.type = .codePipeline
        let plan = Planner.plan(blueprint: blueprint, context: Fixtures.context(), recorded: recorded)
        #expect(plan.step("site")?.action == .replace(reason: "type changed from aws/codepipeline to aws/cloudformation-stack"))
    }

    @Test("a node whose create never finished, or failed, is created again", arguments: [NodeStatus.creating, .failed, .deleted])
    func unfinishedCreate(status: NodeStatus) throws {
        let blueprint = try Fixtures.webapp()
        var recorded = Fixtures.record(for: blueprint, context: Fixtures.context())
        recorded.nodes["build"]?.status = status
        let plan = Planner.plan(blueprint: blueprint, context: Fixtures.context(), recorded: recorded)
        #expect(plan.step("build")?.action == .create)
        #expect(plan.step("pipeline")?.action == .update(changed: ["replace_projects"]))
    }

    @Test("nodes dropped from the blueprint are deleted last, dependents first, along recorded edges")
    func deleteRemovedNodes() throws {
        let recorded = Fixtures.record(for: try Fixtures.webapp(), context: Fixtures.context())
        let withoutSite = try Fixtures.webappWithoutSite()
        let plan = Planner.plan(blueprint: withoutSite, context: Fixtures.context(), recorded: recorded)
        #expect(plan.steps.map(\.id) == ["artifacts", "build", "pipeline", "site"])
        #expect(plan.step("site")?.action == .delete)
        #expect(plan.step("site")?.dependsOn == ["artifacts", "pipeline"])
        #expect(plan.graph.dependencies(of: "site") == ["artifacts", "pipeline"])

        let onlyArtifacts = try Fixtures.webapp { $0.components(separatedBy: "  # A copy of the existing")[0] }
        let bigger = Planner.plan(blueprint: onlyArtifacts, context: Fixtures.context(), recorded: recorded)
        #expect(bigger.steps.map(\.id) == ["artifacts", "site", "pipeline", "build"])
        #expect(bigger.steps.dropFirst().allSatisfy { $0.action == .delete })
    }

    @Test("a destroy plan comes from the record alone: dependents first, deleted nodes left out")
    func destroyPlanFromRecord() throws {
        var recorded = Fixtures.record(for: try Fixtures.webapp(), context: Fixtures.context())
        let plan = Planner.destroyPlan(recorded: recorded)
        #expect(plan.steps.map(\.id) == ["site", "pipeline", "build", "artifacts"])
        #expect(plan.steps.allSatisfy { $0.action == .delete })
        #expect(plan.step("site")?.properties == recorded.nodes["site"]?.properties)

        recorded.nodes["site"]?.status = .deleted
        #expect(Planner.destroyPlan(recorded: recorded).steps.map(\.id) == ["pipeline", "build", "artifacts"])
    }

    @Test("a destroy plan follows recorded edges even when today's blueprint differs")
    func destroyPlanIgnoresBlueprint() throws {
        var recorded = Fixtures.record(for: try Fixtures.webapp(), context: Fixtures.context())
        // Recorded when `artifacts` still depended on `site` (an edge the blueprint no longer has).
        recorded.nodes["site"]?.dependencies = []
        recorded.nodes["artifacts"]?.dependencies = ["site"]
        recorded.nodes["build"]?.dependencies = []
        let plan = Planner.destroyPlan(recorded: recorded)
        #expect(plan.steps.map(\.id) == ["artifacts", "pipeline", "build", "site"])
    }

    @Test("changedProperties compares known values and counts unknown ones as changed")
    func changedProperties() {
        let recorded: [String: RenderedValue] = ["a": .string("1"), "b": .map(["x": .string("2")]), "gone": .bool(true)]
        let rendered: [String: RenderedValue] = ["a": .string("1"), "b": .map(["x": .unknown(source: "${n.outputs.x}")]), "new": .bool(false)]
        #expect(Planner.changedProperties(rendered: rendered, recorded: recorded) == ["b", "gone", "new"])
        #expect(Planner.changedProperties(rendered: recorded, recorded: recorded) == [])
    }
}
