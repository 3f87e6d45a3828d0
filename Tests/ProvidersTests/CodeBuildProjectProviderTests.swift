import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// `aws/codebuild-project` create (template copy and inline), re-apply, update and throttling.
@Suite struct CodeBuildProjectProviderTests {
    @Test func templateCopyKeepsTheTemplatesSettingsAndOverridesTheRest() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        let properties = world.templateProperties(template, variables: ["STAGE": "preview", "ARTIFACT_URI": "s3://b/site/pr-7/"])
        let result = try await world.provider.apply(world.request(properties))
        #expect(result.outputs["name"] == world.name)
        #expect(result.outputs["arn"] == "arn:aws:codebuild:us-east-1:\(LocalAWS.accountID):project/\(world.name)")
        #expect(result.physicalName == world.name)

        let project = try #require(try await world.project())
        #expect(project["environment"]?["image"]?.stringValue == "aws/codebuild/standard:6.0")
        #expect(project["environment"]?["computeType"]?.stringValue == "BUILD_GENERAL1_LARGE")
        #expect(project["serviceRole"]?.stringValue == world.role)
        #expect(project["source"]?["location"]?.stringValue == "https://github.com/acme/webapp.git")
        #expect(project["sourceVersion"]?.stringValue == "0123abcd")
        #expect(codeBuildVariables(project) == ["STAGE": "preview", "REGION": "eu-west-1", "ARTIFACT_URI": "s3://b/site/pr-7/"])
        let tags = CodeBuildProjectProvider.tags(of: project)
        #expect(tags == world.context.tags.merging(["team": "web"]) { $1 })

        // The template itself is untouched.
        let original = try #require(try await world.project(template))
        #expect(original["sourceVersion"]?.stringValue == "main")
        #expect(codeBuildVariables(original) == ["STAGE": "production", "REGION": "eu-west-1"])
    }

    @Test func inlineDefinitionCreatesTheProject() async throws {
        let world = try await CodeBuildProjectHarness.make()
        _ = try await world.provider.apply(world.request(world.inlineProperties()))
        let project = try #require(try await world.project())
        #expect(project["environment"]?["image"]?.stringValue == "aws/codebuild/standard:7.0")
        #expect(project["source"]?["buildspec"]?.stringValue?.contains("${PR}") == true)
        #expect(project["artifacts"]?["type"]?.stringValue == "NO_ARTIFACTS")
        #expect(try await world.calls()["codebuild.CreateProject"] == 1)
    }

    @Test func reapplyingWithoutChangesWritesNothing() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        let properties = world.templateProperties(template)
        let first = try await world.provider.apply(world.request(properties))
        let inline = try await CodeBuildProjectHarness.make()
        let inlineFirst = try await inline.provider.apply(inline.request(inline.inlineProperties()))
        #expect(try await world.writes() == 1)
        #expect(try await inline.writes() == 1)

        let previous = world.record(properties, first)
        #expect(try await world.provider.apply(world.request(properties, action: .update(changed: []), previous: previous)) == first)
        #expect(try await world.provider.apply(world.request(properties, action: .create, previous: previous)) == first)
        let inlinePrevious = inline.record(inline.inlineProperties(), inlineFirst)
        #expect(try await inline.provider.apply(inline.request(inline.inlineProperties(), action: .update(changed: []), previous: inlinePrevious)) == inlineFirst)
        #expect(try await world.writes() == 1)
        #expect(try await inline.writes() == 1)
        #expect(world.events.all.contains("project \(world.name) is up to date"))
    }

    @Test func updateChangesVariablesAndSourceVersion() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        let properties = world.templateProperties(template)
        let first = try await world.provider.apply(world.request(properties))
        let changed = world.templateProperties(template, sourceVersion: "fedcba98", variables: ["STAGE": "preview-2", "EXTRA": "1"])
        let second = try await world.provider.apply(world.request(
            changed, action: .update(changed: ["source_version", "environment_variables"]), previous: world.record(properties, first)))
        #expect(second == first)
        let project = try #require(try await world.project())
        #expect(project["sourceVersion"]?.stringValue == "fedcba98")
        #expect(codeBuildVariables(project) == ["STAGE": "preview-2", "REGION": "eu-west-1", "EXTRA": "1"])
        #expect(project["environment"]?["computeType"]?.stringValue == "BUILD_GENERAL1_LARGE")
        let calls = try await world.calls()
        #expect(calls["codebuild.UpdateProject"] == 1)
        #expect(calls["codebuild.CreateProject"] == 1)
    }

    @Test func throttlingDuringCreateStillConverges() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let template = try await world.makeTemplate()
        try await LocalAWS.addFault(["kind": "throttle", "service": "codebuild", "access_key": world.accessKey, "count": 2])
        let result = try await world.provider.apply(world.request(world.templateProperties(template)))
        #expect(result.outputs["name"] == world.name)
        #expect(try await world.project()?["sourceVersion"]?.stringValue == "0123abcd")
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(world.accessKey)")
        #expect((stats["injected"] as? [String: Any])?["throttled"] as? Int == 2)
        #expect(try await world.calls()["codebuild.CreateProject"] == 1)
    }

    @Test func aMissingTemplateIsNamed() async throws {
        let world = try await CodeBuildProjectHarness.make()
        let missing = LocalAWS.uniqueName("prenv-no-such-template")
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(world.templateProperties(missing))) }
        #expect(error.map(String.init(describing:))?.contains("template CodeBuild project `\(missing)` does not exist") == true)
        #expect(try await world.writes() == 0)
    }
}
