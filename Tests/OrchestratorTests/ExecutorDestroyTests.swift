import Blueprint
import Foundation
import Orchestrator
import Testing

@Suite("Executor: destroy and cancellation")
struct ExecutorDestroyTests {
    @Test("destroy deletes dependents before their dependencies and removes the record")
    func destroyOrder() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        let recorded = try #require(try await harness.record())
        let result = await harness.executor.destroy(recorded: recorded)
        #expect(result.succeeded, "\(result.summary)")
        #expect(result.record == nil)
        #expect(try await harness.record() == nil)
        let journal = harness.journal
        func at(_ entry: String) async throws -> Int { try #require(await journal.index(of: entry)) }
        #expect(try await at("destroy site") < at("destroy pipeline"))
        #expect(try await at("destroy site") < at("destroy artifacts"))
        #expect(try await at("destroy pipeline") < at("destroy build"))
        #expect(try await at("destroy build") < at("destroy artifacts"))
        #expect(try await at("store site deleting") < at("destroy site"))
        #expect(try await at("destroy site") < at("store site deleted"))
    }

    @Test("a failed delete keeps what it depends on, and a later destroy finishes the job")
    func failedDestroySkipsDependencies() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        await harness.cloud.set(failDestroy: ["pipeline"])
        let recorded = try #require(try await harness.record())
        let result = await harness.executor.destroy(recorded: recorded)
        #expect(result.failedNodes == ["pipeline"])
        #expect(result.skippedNodes == ["artifacts", "build"])
        #expect(result.errors.map(\.description) == ["pipeline: delete failed: DeleteConflict: pipeline is in use"])
        let record = try #require(try await harness.record())
        #expect(record.nodes["site"]?.status == .deleted)
        #expect(record.nodes["pipeline"]?.status == .failed)
        #expect(record.nodes["build"]?.status == .created)
        #expect(record.state == .failed(sha: recorded.headSHA, reason: "destroy: failed: pipeline; skipped: artifacts, build"))
        #expect(await harness.journal.index(of: "destroy build") == nil)

        await harness.cloud.set()
        let retry = await harness.executor.destroy(recorded: record)
        #expect(retry.succeeded)
        #expect(retry.outcomes.keys.sorted() == ["artifacts", "build", "pipeline"])
        #expect(try await harness.record() == nil)
    }

    @Test("destroy works from the record after the blueprint is gone")
    func destroyWithoutBlueprint() async throws {
        let recorded = Fixtures.record(for: try Fixtures.webapp(), context: Fixtures.context())
        let harness = Harness()
        try await harness.store.save(recorded)
        let result = await harness.executor.destroy(recorded: recorded)
        #expect(result.succeeded)
        #expect(await harness.journal.entries.filter { $0.hasPrefix("destroy") }.count == 4)
    }

    @Test("cancelling mid-walk stops new nodes and leaves `creating` for the next apply to adopt")
    func cancellationAndAdoption() async throws {
        let harness = Harness()
        let blueprint = try Fixtures.webapp()
        await harness.cloud.set(hangApply: ["build"])
        let task = Task { try await harness.apply(blueprint) }
        #expect(await harness.journal.waitFor("apply build"))
        task.cancel()
        let result = try await task.value
        #expect(result.outcomes["artifacts"]?.isSucceeded == true)
        #expect(result.cancelledNodes == ["build", "pipeline", "site"])
        #expect(await harness.journal.index(of: "apply pipeline") == nil)
        let crashed = try #require(try await harness.record())
        #expect(crashed.nodes["build"]?.status == .creating)

        await harness.cloud.set()
        let again = try await harness.apply(blueprint)
        #expect(again.succeeded, "\(again.summary)")
        let adopt = try #require(await harness.cloud.lastRequest("build"))
        #expect(adopt.action == .create)
        #expect(adopt.previous?.status == .creating)
        #expect(try await harness.record()?.nodes["build"]?.status == .created)
    }

    @Test("a node left `creating` is looked for twice on destroy, in case its cut-off create lands late; others once")
    func cutOffCreateIsLookedForTwice() async throws {
        let harness = Harness()
        let blueprint = try Fixtures.webapp()
        await harness.cloud.set(hangApply: ["build"])
        let task = Task { try await harness.apply(blueprint) }
        #expect(await harness.journal.waitFor("apply build"))
        task.cancel()
        _ = try await task.value
        await harness.cloud.set()
        let crashed = try #require(try await harness.record())
        #expect(crashed.nodes["build"]?.status == .creating)
        #expect(crashed.nodes["artifacts"]?.status == .created)

        let result = await harness.executor.destroy(recorded: crashed)
        #expect(result.succeeded, "\(result.summary)")
        let destroys = await harness.journal.entries.filter { $0.hasPrefix("destroy") }
        #expect(destroys.filter { $0 == "destroy build" }.count == 2, "\(destroys)")
        #expect(destroys.filter { $0 == "destroy artifacts" }.count == 1, "\(destroys)")

        let unchecked = Harness(lateCreateRecheck: .zero)
        try await unchecked.store.save(crashed)
        #expect(await unchecked.executor.destroy(recorded: crashed).succeeded)
        #expect(await unchecked.journal.entries.filter { $0 == "destroy build" }.count == 1)
    }

    @Test("a missing provider fails its node with a named error")
    func missingProvider() async throws {
        let cloud = FakeCloud(journal: Journal())
        let store = InMemoryStateStore()
        let executor = Executor(providers: [FakeProvider(type: .s3Prefix, cloud: cloud)], store: store, now: Fixtures.now)
        let blueprint = try Fixtures.webapp()
        let plan = Planner.plan(blueprint: blueprint, context: Fixtures.context(), recorded: nil)
        let result = await executor.apply(plan: plan, blueprint: blueprint, context: Fixtures.context(), key: Fixtures.key)
        #expect(result.errors.map(\.description) == ["build: create failed: no provider for resource type aws/codebuild-project"])
        #expect(result.skippedNodes == ["pipeline", "site"])
    }
}
