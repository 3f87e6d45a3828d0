import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Failed stages, GitHub (version 1) tokens, V2 pinning and throttling.
@Suite struct CodePipelineProviderFailureTests {
    @Test func failingStageIsAnErrorNamingTheStageAndAWSMessage() async throws {
        let harness = try await CodePipelineHarness()
        try await LocalAWS.admin("POST", "/_prenv/codepipeline/fail-stage", [
            "pipeline": harness.envName, "stage": "Build", "message": "unit tests failed: 3 of 120",
        ])
        let error = await #expect(throws: ProviderError.self) {
            try await harness.provider().apply(harness.request(properties: harness.properties()))
        }
        let text = try #require(error).description
        #expect(text.hasPrefix("pipeline \(harness.envName) failed: execution "))
        #expect(text.hasSuffix("Failed in stage Build (action Build): unit tests failed: 3 of 120"))
        #expect(harness.recorder.events.map { "\($0.stage) \($0.status)" } == [
            "Source InProgress", "Source Succeeded", "Build InProgress", "Build Failed",
        ])
        #expect(harness.recorder.events.last?.summary == "unit tests failed: 3 of 120")
    }

    @Test func gitHubVersion1WithoutATokenIsAClearErrorBeforeAnyWrite() async throws {
        let harness = try await CodePipelineHarness(document: Self.gitHubV1Pipeline)
        let unset = await #expect(throws: ProviderError.self) {
            try await harness.provider().apply(harness.request(properties: harness.properties()))
        }
        #expect(unset?.description.hasPrefix(
            "property `github_oauth_token_env`: template pipeline \(harness.template) has a GitHub (version 1) source action") == true)

        let properties = harness.properties(extra: ["github_oauth_token_env": .string("PRENV_TEST_GITHUB_TOKEN")])
        let empty = await #expect(throws: ProviderError.self) {
            try await harness.provider(token: nil).apply(harness.request(properties: properties))
        }
        #expect(empty?.description.hasPrefix("property `github_oauth_token_env`: environment variable PRENV_TEST_GITHUB_TOKEN is not set or empty") == true)
        // The template's own CreatePipeline is the only write.
        let counts = try await LocalAWS.callCounts(accessKey: harness.accessKey)
        #expect(CodePipelineHarness.writes(counts) == ["codepipeline.CreatePipeline": 1])
    }

    @Test func gitHubVersion1TokenReachesThePipelineButNoMessage() async throws {
        let harness = try await CodePipelineHarness(document: Self.gitHubV1Pipeline)
        let token = "ghp_" + LocalAWS.uniqueName("secret")
        let properties = harness.properties(extra: ["github_oauth_token_env": .string("PRENV_TEST_GITHUB_TOKEN")])
        let provider = harness.provider(token: token)
        let created = try await provider.apply(harness.request(properties: properties))

        let clone = try await harness.pipelines.getPipeline(name: harness.envName)
        let source = CodePipelineHarness.configuration(clone.pipeline, stage: "Source")
        #expect(source["OAuthToken"]?.stringValue == token)
        #expect(source["Branch"] == "feature/login")
        #expect(source["Owner"] == "acme")

        // A failing run: its error, like every progress line and stage event, must not carry the token.
        try await LocalAWS.admin("POST", "/_prenv/codepipeline/fail-stage", ["pipeline": harness.envName, "stage": "Build", "message": "boom"])
        let error = await #expect(throws: ProviderError.self) {
            try await provider.apply(harness.request(
                .update(changed: ["source_revision"]), properties: properties.merging(["source_revision": RenderedValue.string(CodePipelineHarness.sha2)]) { _, new in new },
                previous: harness.record(created, properties: properties)))
        }
        let texts = [String(describing: error)] + harness.recorder.progress + harness.recorder.events.map { "\($0)" } + created.outputs.values
        #expect(texts.allSatisfy { !$0.contains(token) })
        #expect(harness.recorder.progress.contains("stage Build: Failed"))
    }

    @Test func v2PipelineIsPinnedToTheCommitAndTriggersOnlyOnTheBranch() async throws {
        let harness = try await CodePipelineHarness(document: Self.v2Pipeline)
        let result = try await harness.provider().apply(harness.request(properties: harness.properties()))
        let executionID = try #require(result.outputs["execution_id"])

        let raw = try await harness.pipelines.client.json(
            .codePipeline, "GetPipelineExecution", ["pipelineName": harness.envName, "pipelineExecutionId": executionID], as: JSONValue.self)
        #expect(raw["pipelineExecution"]?["artifactRevisions"]?.arrayValue?.first?["revisionId"]?.stringValue == CodePipelineHarness.sha1)
        let clone = try await harness.pipelines.getPipeline(name: harness.envName).pipeline
        let push = clone["triggers"]?.arrayValue?.first?["gitConfiguration"]?["push"]?.arrayValue?.first
        #expect(push?["branches"] == ["includes": ["feature/login"]])
        #expect(clone["pipelineType"] == "V2")
        #expect(result.outputs["stage.Deploy"] == "Succeeded")
    }

    @Test func throttlingDuringCreateConverges() async throws {
        let harness = try await CodePipelineHarness()
        for operation in ["GetPipeline", "CreatePipeline", "StartPipelineExecution", "GetPipelineState", "GetPipelineExecution"] {
            try await LocalAWS.addFault(["kind": "throttle", "service": "codepipeline", "operation": operation, "access_key": harness.accessKey, "count": 2])
        }
        let result = try await harness.provider().apply(harness.request(properties: harness.properties()))
        #expect(result.outputs["stage.Deploy"] == "Succeeded")
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(harness.accessKey)")
        #expect((stats["injected"] as? [String: Int])?["throttled"] == 10)
        let counts = try await LocalAWS.callCounts(accessKey: harness.accessKey)
        // Two throttled answers, then the one that counts: still exactly one execution.
        #expect(counts["codepipeline.StartPipelineExecution"] == 3)
    }

    /// Every retry of StartPipelineExecution throttled: the apply fails; the next attempt adopts the
    /// pipeline and the run starts exactly once.
    @Test func exhaustedRetriesThenAdoptionStartsOneExecution() async throws {
        let harness = try await CodePipelineHarness()
        try await LocalAWS.addFault(["kind": "throttle", "service": "codepipeline", "operation": "StartPipelineExecution", "access_key": harness.accessKey, "count": 4])
        let properties = harness.properties()
        let error = await #expect(throws: AWSError.self) { try await harness.provider().apply(harness.request(properties: properties)) }
        #expect(error?.code == "ThrottlingException")

        let previous = NodeRecord(id: "pipeline", type: .codePipeline, status: .failed, properties: properties, updatedAt: Date())
        let result = try await harness.provider().apply(harness.request(properties: properties, previous: previous))
        #expect(result.outputs["stage.Deploy"] == "Succeeded")
        let counts = try await LocalAWS.callCounts(accessKey: harness.accessKey)
        #expect(counts["codepipeline.UpdatePipeline"] == nil)
        #expect(counts["codepipeline.StartPipelineExecution"] == 5)
    }

    static func gitHubV1Pipeline(name: String, role: String) -> [String: JSONValue] {
        var document = CodePipelineHarness.standard(name: name, role: role)
        guard var stages = document["stages"]?.arrayValue else { return document }
        stages[0] = ["name": "Source", "actions": [[
            "name": "Source",
            "actionTypeId": ["category": "Source", "owner": "ThirdParty", "provider": "GitHub", "version": "1"],
            // What GetPipeline shows a real template: the token masked.
            "configuration": ["Owner": "acme", "Repo": "webapp", "Branch": "main", "OAuthToken": "****", "PollForSourceChanges": "false"],
            "outputArtifacts": [["name": "SourceOutput"]],
        ]]]
        document["stages"] = .array(stages)
        return document
    }

    static func v2Pipeline(name: String, role: String) -> [String: JSONValue] {
        var document = CodePipelineHarness.standard(name: name, role: role)
        document["pipelineType"] = "V2"
        document["executionMode"] = "QUEUED"
        document["triggers"] = [[
            "providerType": "CodeStarSourceConnection",
            "gitConfiguration": ["sourceActionName": "Source", "push": [["branches": ["includes": ["main"]]]]],
        ]]
        return document
    }
}
