import Blueprint
import Foundation
import Orchestrator
import Testing

@Suite("Executor: apply")
struct ExecutorApplyTests {
    @Test("a full apply records each node before and after its provider call")
    func fullApply() async throws {
        let harness = Harness()
        let sink = EventSink()
        let result = try await harness.apply(try Fixtures.webapp(), sink: sink)
        #expect(result.succeeded, "\(result.summary)")
        let record = try #require(try await harness.record())
        #expect(record.state == .ready(sha: Fixtures.context().headSHA))
        #expect(record.nodes.values.allSatisfy { $0.status == .created })
        #expect(record.nodes["build"]?.dependencies == ["artifacts"])
        #expect(record.nodes["site"]?.outputs["SiteURL"]?.hasPrefix("https://") == true)
        #expect(record.nodes["artifacts"]?.physicalName == "\(record.envName)-artifacts")
        for node in ["artifacts", "build", "pipeline", "site"] {
            let before = try #require(await harness.journal.index(of: "store \(node) creating"))
            let call = try #require(await harness.journal.index(of: "apply \(node)"))
            let after = try #require(await harness.journal.index(of: "store \(node) created"))
            #expect(before < call && call < after, "\(node)")
        }
        let events = await sink.events()
        #expect(events.filter { if case .succeeded = $0 { true } else { false } }.count == 4)
        #expect(events.contains { if case .progress("site", "working on site") = $0 { true } else { false } })
    }

    @Test("outputs flow into dependents' properties at execution time")
    func outputsFlow() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        let build = try #require(await harness.cloud.lastRequest("build"))
        #expect(build.properties["environment_variables"] == .map(["ARTIFACT_URI": .string("s3://acme-previews/webapp/pr-7/")]))
        #expect(build.action == .create)
        #expect(build.context.tags["prenv:pr"] == "7")
        let pipeline = try #require(await harness.cloud.lastRequest("pipeline"))
        let buildName = try #require(build.properties["name"]?.stringValue)
        #expect(pipeline.properties["replace_projects"] == .map(["acme-webapp-build": .string(buildName)]))
        let site = try #require(await harness.cloud.lastRequest("site"))
        #expect(site.properties["parameters"] == .map(["ArtifactUri": .string("s3://acme-previews/webapp/pr-7/")]))
    }

    @Test("a failed build skips pipeline and site; artifacts still succeeds")
    func failureSkipsDownstream() async throws {
        let harness = Harness()
        await harness.cloud.set(failApply: ["build"])
        let sink = EventSink()
        let result = try await harness.apply(try Fixtures.webapp(), sink: sink)
        #expect(!result.succeeded)
        #expect(result.failedNodes == ["build"])
        #expect(result.skippedNodes == ["pipeline", "site"])
        #expect(result.outcomes["artifacts"]?.isSucceeded == true)
        #expect(result.errors.map(\.description) == ["build: create failed: AccessDenied: not allowed to touch build"])
        #expect(result.summary == "failed: build; skipped: pipeline, site")
        let record = try #require(try await harness.record())
        #expect(record.nodes["build"]?.status == .failed)
        #expect(record.nodes["build"]?.lastError == "build: create failed: AccessDenied: not allowed to touch build")
        #expect(record.nodes["pipeline"] == nil)
        #expect(record.state == .failed(sha: Fixtures.context().headSHA, reason: "failed: build; skipped: pipeline, site"))
        #expect(await harness.journal.index(of: "apply pipeline") == nil)
        let events = await sink.events()
        #expect(events.contains { if case .skipped("site", .create, ["build"]) = $0 { true } else { false } })
    }

    @Test("re-applying after a failure creates what failed and leaves what succeeded")
    func reapplyAfterFailure() async throws {
        let harness = Harness()
        let blueprint = try Fixtures.webapp()
        await harness.cloud.set(failApply: ["build"])
        _ = try await harness.apply(blueprint)
        await harness.cloud.set()
        let result = try await harness.apply(blueprint)
        #expect(result.succeeded, "\(result.summary)")
        #expect(result.actions["artifacts"] == .noop)
        #expect(result.actions["build"] == .create)
        let calls = await harness.cloud.requests.map(\.nodeID)
        #expect(calls == ["artifacts", "build", "build", "pipeline", "site"])
        #expect(await harness.cloud.lastRequest("build")?.previous?.status == .failed)
    }

    @Test("a second apply with nothing changed calls no provider")
    func noopCallsNothing() async throws {
        let harness = Harness()
        let blueprint = try Fixtures.webapp()
        _ = try await harness.apply(blueprint)
        let result = try await harness.apply(blueprint)
        #expect(result.succeeded)
        #expect(result.actions.values.allSatisfy { $0 == .noop })
        #expect(await harness.cloud.requests.count == 4)
    }

    @Test("a new head SHA updates build and pipeline, keeping the old properties while in flight")
    func updateOnNewSHA() async throws {
        let harness = Harness()
        let blueprint = try Fixtures.webapp()
        _ = try await harness.apply(blueprint)
        let newSHA = String(repeating: "b", count: 40)
        let result = try await harness.apply(blueprint, context: Fixtures.context(sha: newSHA))
        #expect(result.succeeded)
        #expect(result.actions["build"] == .update(changed: ["source_version"]))
        #expect(await harness.cloud.lastRequest("build")?.action == .update(changed: ["source_version"]))
        #expect(await harness.journal.index(of: "store build updating") != nil)
        let record = try #require(try await harness.record())
        #expect(record.nodes["build"]?.properties["source_version"] == .string(newSHA))
        #expect(record.state == .ready(sha: newSHA))
    }

    @Test("a bucket change replaces artifacts (delete, then create) and updates its dependents")
    func replace() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        let edited = try Fixtures.webapp { $0.replacingOccurrences(of: "bucket: acme-previews", with: "bucket: acme-previews-2") }
        let result = try await harness.apply(edited)
        #expect(result.succeeded, "\(result.summary)")
        #expect(result.actions["artifacts"] == .replace(reason: "bucket is immutable"))
        #expect(result.actions["build"] == .update(changed: ["environment_variables"]))
        let destroyed = try #require(await harness.journal.index(of: "destroy artifacts"))
        #expect(destroyed < (await harness.journal.entries.lastIndex(of: "apply artifacts") ?? -1))
        #expect(await harness.cloud.lastRequest("build")?.properties["environment_variables"]
            == .map(["ARTIFACT_URI": .string("s3://acme-previews-2/webapp/pr-7/")]))
    }

    @Test("a node dropped from the blueprint is deleted after the forward walk")
    func deleteDroppedNode() async throws {
        let harness = Harness()
        _ = try await harness.apply(try Fixtures.webapp())
        let result = try await harness.apply(try Fixtures.webappWithoutSite())
        #expect(result.succeeded, "\(result.summary)")
        #expect(result.actions["site"] == .delete)
        let record = try #require(try await harness.record())
        #expect(record.nodes["site"]?.status == .deleted)
        #expect(await harness.journal.index(of: "destroy site") != nil)
    }
}
