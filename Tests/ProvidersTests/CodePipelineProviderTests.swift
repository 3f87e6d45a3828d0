import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Cloning, running and re-running a pipeline against the local endpoint, whose executions walk
/// the pipeline's own stages.
@Suite struct CodePipelineProviderTests {
    @Test func createClonesTheTemplateRunsItAndReportsEveryStage() async throws {
        let harness = try await CodePipelineHarness()
        let templateBefore = try await harness.pipelines.getPipeline(name: harness.template).pipeline
        let key = LocalAWS.uniqueAccessKey()
        let result = try await harness.provider(accessKey: key).apply(harness.request(properties: harness.properties()))
        let counts = try await LocalAWS.callCounts(accessKey: key)

        let clone = try await harness.pipelines.getPipeline(name: harness.envName)
        #expect(CodePipelineHarness.configuration(clone.pipeline, stage: "Source")["BranchName"] == "feature/login")
        #expect(CodePipelineHarness.configuration(clone.pipeline, stage: "Build")["ProjectName"]?.stringValue == "\(harness.envName)-build")
        #expect(clone.pipeline["artifactStore"]?["location"]?.stringValue == harness.artifacts)
        #expect(clone.pipeline["roleArn"]?.stringValue == harness.role)
        // Members prenv does not rewrite are kept (the deploy action still targets the template's bucket).
        #expect(CodePipelineHarness.configuration(clone.pipeline, stage: "Deploy")["BucketName"] == "acme-main-artifacts")
        let arn = try #require(clone.metadata?.pipelineArn)
        let tags = try await harness.pipelines.listTagsForResource(resourceArn: arn)
        #expect(Dictionary(uniqueKeysWithValues: tags.map { ($0.key, $0.value) }) == harness.context.tags)

        let template = try await harness.pipelines.getPipeline(name: harness.template)
        #expect(template.pipeline == templateBefore)
        #expect(CodePipelineHarness.configuration(template.pipeline, stage: "Source")["BranchName"] == "main")
        #expect(CodePipelineHarness.configuration(template.pipeline, stage: "Build")["ProjectName"] == "acme-build")
        #expect(template.pipeline["version"] == 1)

        let executionID = try #require(result.outputs["execution_id"])
        #expect(result.physicalName == harness.envName)
        #expect(result.outputs == [
            "name": harness.envName, "arn": arn, "execution_id": executionID,
            "stage.Source": "Succeeded", "stage.Build": "Succeeded", "stage.Deploy": "Succeeded",
        ])
        let execution = try await harness.pipelines.getPipelineExecution(pipelineName: harness.envName, pipelineExecutionId: executionID)
        #expect(execution.status == "Succeeded")

        let events = harness.recorder.events
        #expect(events.map { "\($0.stage) \($0.status)" } == [
            "Source InProgress", "Source Succeeded", "Build InProgress", "Build Succeeded", "Deploy InProgress", "Deploy Succeeded",
        ])
        #expect(events.allSatisfy { $0.node == "pipeline" && $0.executionID == executionID })
        let progress = harness.recorder.progress
        for line in ["stage Build: InProgress", "stage Build: Succeeded"] {
            #expect(progress.filter { $0 == line }.count == 1)
        }

        // GetPipeline: the template, then the clone's ARN. One GetPipelineState looks for executions to
        // stop; every poll after that reads the execution and then the stages.
        let polls = try #require(counts["codepipeline.GetPipelineExecution"])
        #expect(counts == [
            "codepipeline.GetPipeline": 2, "codepipeline.CreatePipeline": 1, "codepipeline.StartPipelineExecution": 1,
            "codepipeline.GetPipelineState": polls + 1, "codepipeline.GetPipelineExecution": polls,
        ])
        print("codepipeline create calls:", counts.sorted { $0.key < $1.key })
    }

    @Test func reapplyingTheSameCommitWritesNothingAndStartsNoExecution() async throws {
        let harness = try await CodePipelineHarness()
        let properties = harness.properties()
        let created = try await harness.provider().apply(harness.request(properties: properties))
        harness.recorder.reset()

        let key = LocalAWS.uniqueAccessKey()
        let previous = harness.record(created, properties: properties)
        let again = try await harness.provider(accessKey: key).apply(harness.request(.update(changed: []), properties: properties, previous: previous))

        #expect(again.outputs == created.outputs)
        let counts = try await LocalAWS.callCounts(accessKey: key)
        #expect(CodePipelineHarness.writes(counts).isEmpty)
        // Reads only: the template and the pipeline, its tags (ownership), and the stages to report.
        #expect(counts == ["codepipeline.GetPipeline": 2, "codepipeline.ListTagsForResource": 1, "codepipeline.GetPipelineState": 1])
        #expect(harness.recorder.events.isEmpty)
        #expect(try await harness.pipelines.getPipeline(name: harness.envName).pipeline["version"] == 1)
    }

    @Test func changedBranchUpdatesThePipelineAndRunsTheNewCommit() async throws {
        let harness = try await CodePipelineHarness()
        let first = harness.properties()
        let created = try await harness.provider().apply(harness.request(properties: first))
        let second = harness.properties(sha: CodePipelineHarness.sha2, branch: "feature/two")

        let key = LocalAWS.uniqueAccessKey()
        let updated = try await harness.provider(accessKey: key).apply(harness.request(
            .update(changed: ["source_revision", "branch"]), properties: second, previous: harness.record(created, properties: first)))

        let clone = try await harness.pipelines.getPipeline(name: harness.envName)
        #expect(CodePipelineHarness.configuration(clone.pipeline, stage: "Source")["BranchName"] == "feature/two")
        #expect(clone.pipeline["version"] == 2)
        let executionID = try #require(updated.outputs["execution_id"])
        #expect(executionID != created.outputs["execution_id"])
        #expect(updated.outputs["stage.Deploy"] == "Succeeded")
        let counts = try await LocalAWS.callCounts(accessKey: key)
        #expect(CodePipelineHarness.writes(counts) == ["codepipeline.UpdatePipeline": 1, "codepipeline.StartPipelineExecution": 1])
        print("codepipeline update calls:", counts.sorted { $0.key < $1.key })
    }

    /// A push while an execution runs: the engine cancels the running apply (which must stop waiting
    /// at once) and applies the new head; the old execution is stopped, the declaration is not rewritten.
    @Test func newCommitStopsTheRunningExecutionAndStartsItsOwn() async throws {
        let harness = try await CodePipelineHarness(document: CodePipelineProviderTests.longPipeline)
        let first = harness.properties()
        let created = try await harness.provider().apply(harness.request(properties: first))
        let previous = harness.record(created, properties: first)
        harness.recorder.reset()

        let second = harness.properties(sha: CodePipelineHarness.sha2)
        let running = Task {
            try await harness.provider().apply(harness.request(.update(changed: ["source_revision"]), properties: second, previous: previous))
        }
        // Past the first stage: GetPipelineState shows one execution per stage, the newest.
        await harness.recorder.waitForEvent(stage: "Build")
        running.cancel()
        await #expect(throws: CancellationError.self) { try await running.value }
        let superseded = try #require(harness.recorder.events.first?.executionID)

        let third = harness.properties(sha: CodePipelineHarness.sha3)
        let key = LocalAWS.uniqueAccessKey()
        let result = try await harness.provider(accessKey: key).apply(harness.request(
            .update(changed: ["source_revision"]), properties: third, previous: harness.record(created, properties: second, status: .updating)))

        let newest = try #require(result.outputs["execution_id"])
        #expect(newest != superseded)
        let stopped = try await harness.pipelines.getPipelineExecution(pipelineName: harness.envName, pipelineExecutionId: superseded)
        #expect(["Stopping", "Stopped"].contains(stopped.status))
        #expect(stopped.statusSummary == "superseded by \(CodePipelineHarness.sha3)")
        #expect(harness.recorder.progress.contains("stopped superseded execution \(superseded)"))
        let counts = try await LocalAWS.callCounts(accessKey: key)
        #expect(CodePipelineHarness.writes(counts) == ["codepipeline.StartPipelineExecution": 1, "codepipeline.StopPipelineExecution": 1])
    }

    /// 23 stages of `stage_seconds` (a second on the local endpoint) each: an execution stays running
    /// long enough for a second apply to find it even on a loaded machine (with 12 stages, a CI run
    /// under load once saw the superseded execution finish before the next apply could stop it).
    static func longPipeline(name: String, role: String) -> [String: JSONValue] {
        var document = CodePipelineHarness.standard(name: name, role: role)
        var stages = document["stages"]?.arrayValue ?? []
        let deploy = stages.removeLast()
        for index in 1...20 {
            stages.append(["name": .string("Test\(index)"), "actions": [[
                "name": .string("Test\(index)"),
                "actionTypeId": ["category": "Test", "owner": "AWS", "provider": "CodeBuild", "version": "1"],
                "configuration": ["ProjectName": "acme-build"],
                "inputArtifacts": [["name": "SourceOutput"]],
            ]]])
        }
        document["stages"] = .array(stages + [deploy])
        return document
    }
}
