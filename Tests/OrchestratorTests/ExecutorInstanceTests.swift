import Blueprint
import Foundation
import Orchestrator
import Testing

/// The executor tags every provider call with its instance and the node's blueprint id, so a
/// resource found later by tag can be traced to its installation and its place in the blueprint.
@Suite struct ExecutorInstanceTests {
    @Test func applyAndDestroyCarryTheInstanceAndTheNode() async throws {
        let harness = Harness(instance: "gc-a")
        let result = try await harness.apply(try Fixtures.webapp())
        #expect(result.succeeded, "\(result.summary)")
        for node in ["artifacts", "build", "pipeline", "site"] {
            let request = try #require(await harness.cloud.lastRequest(node))
            #expect(request.context.instance == "gc-a")
            #expect(request.context.tags[PrenvTag.instance] == "gc-a")
            #expect(request.context.tags[PrenvTag.node] == node)
            #expect(request.context.tags[PrenvTag.environment] == request.context.envName)
        }
        let record = try #require(try await harness.record())
        let destroyed = await harness.executor.destroy(recorded: record)
        #expect(destroyed.succeeded, "\(destroyed.summary)")
        let contexts = await harness.cloud.destroyContexts
        #expect(Set(contexts.keys) == ["artifacts", "build", "pipeline", "site"])
        for (node, context) in contexts {
            #expect(context.instance == "gc-a")
            #expect(context.tags[PrenvTag.node] == node)
        }
    }

    @Test func withoutAnInstanceNothingIsTaggedWithOne() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        let request = try #require(await harness.cloud.lastRequest("build"))
        #expect(request.context.instance == nil)
        #expect(request.context.tags[PrenvTag.instance] == nil)
        #expect(request.context.tags[PrenvTag.node] == "build")
    }

    @Test func aContextIsRebuiltFromCompleteTagsOnly() throws {
        let key = EnvironmentKey(repository: "acme/site", pr: 12, blueprint: "webapp")
        var tags = ProvisionContext.defaultTags(envName: "webapp-pr-12", key: key, instance: "gc-a")
        tags[PrenvTag.node] = "site"
        let context = try #require(ProvisionContext(tags: tags))
        #expect(context.envName == "webapp-pr-12")
        #expect(context.key == key)
        #expect(context.instance == "gc-a")
        #expect(context.tags == tags)

        var legacy = tags
        legacy[PrenvTag.instance] = nil
        #expect(ProvisionContext(tags: legacy)?.instance == nil)
        for missing in [PrenvTag.managedBy, PrenvTag.environment, PrenvTag.repository, PrenvTag.pr, PrenvTag.blueprint] {
            var incomplete = tags
            incomplete[missing] = nil
            #expect(ProvisionContext(tags: incomplete) == nil, "built a context without \(missing)")
        }
        var badPR = tags
        badPR[PrenvTag.pr] = "twelve"
        #expect(ProvisionContext(tags: badPR) == nil)
        var notOurs = tags
        notOurs[PrenvTag.managedBy] = "terraform"
        #expect(ProvisionContext(tags: notOurs) == nil)
    }
}
