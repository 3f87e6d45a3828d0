import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Delete, adoption after a crash, and refusing projects prenv does not own.
@Suite struct CodeBuildProjectProviderLifecycleTests {
    @Test func deleteRemovesTheProjectAndDeleteWhenGoneSucceeds() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let properties = world.inlineProperties()
        let result = try await world.provider.apply(world.request(properties))
        let record = world.record(properties, result)
        try await world.destroy(record)
        #expect(try await world.project() == nil)
        try await world.destroy(record)
        #expect(world.events.all.contains("project \(world.name) is gone; nothing to delete"))
        #expect(try await world.calls()["codebuild.DeleteProject"] == 1)
    }

    @Test func adoptsItsOwnProjectAfterACrashWithoutDuplicating() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        let properties = world.templateProperties(template)
        // The attempt that created the project before the process died (another access key).
        _ = try await CodeBuildProjectProvider(client: LocalAWS.client()).apply(world.request(properties))
        let crashed = world.record(properties, nil, status: .creating)
        let result = try await world.provider.apply(world.request(properties, previous: crashed))
        #expect(result.outputs["arn"]?.hasSuffix(":project/\(world.name)") == true)
        #expect(try await world.writes() == 0)
    }

    @Test func adoptingAnOutdatedProjectUpdatesIt() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        _ = try await CodeBuildProjectProvider(client: LocalAWS.client()).apply(world.request(world.templateProperties(template, sourceVersion: "old")))
        let properties = world.templateProperties(template, sourceVersion: "new")
        _ = try await world.provider.apply(world.request(properties, previous: world.record(properties, nil, status: .failed)))
        #expect(try await world.project()?["sourceVersion"]?.stringValue == "new")
        let calls = try await world.calls()
        #expect(calls["codebuild.UpdateProject"] == 1)
        #expect(calls["codebuild.CreateProject"] == nil)
    }

    @Test func refusesAProjectWithoutItsTagsOnApplyAndDestroy() async throws {
        let world = try await CodeBuildProjectHarness.make()
        _ = try await world.seeder.createProject(LocalAWS.projectDocument(name: world.name, serviceRole: world.role))
        let properties = world.inlineProperties()
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        #expect(error == .foreignResource(kind: "CodeBuild project", name: world.name, detail: "no prenv:managed-by tag"))
        #expect(error.map(String.init(describing:)) ==
            "CodeBuild project \(world.name) exists but is not managed by prenv for this environment (no prenv:managed-by tag); prenv will not modify or delete it")
        let destroyError = await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, nil)) }
        #expect(destroyError == error)
        #expect(try await world.project() != nil)
        #expect(try await world.writes() == 0)
    }

    @Test func refusesAnotherEnvironmentsProject() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let other = try await CodeBuildProjectHarness.make(env: "other-env")
        var properties = world.inlineProperties()
        _ = try await CodeBuildProjectProvider(client: LocalAWS.client()).apply(other.request(properties))
        properties["source_version"] = .string("abc")
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        #expect(error == .foreignResource(kind: "CodeBuild project", name: world.name, detail: "tagged for environment other-env of acme/webapp#7"), "names the other environment and its pull request")
        await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, nil)) }
        #expect(try await world.project() != nil)
    }
}
