import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Delete, adopt and refuse: prenv only touches pipelines it tagged for this environment.
@Suite struct CodePipelineProviderOwnershipTests {
    @Test func destroyDeletesTheOwnedPipeline() async throws {
        let harness = try await CodePipelineHarness()
        let properties = harness.properties()
        let created = try await harness.provider().apply(harness.request(properties: properties))

        let key = LocalAWS.uniqueAccessKey()
        try await harness.provider(accessKey: key).destroy(
            harness.record(created, properties: properties), context: harness.context, progress: { harness.recorder.record(progress: $0) })
        let error = await #expect(throws: AWSError.self) { try await harness.pipelines.getPipeline(name: harness.envName) }
        #expect(error?.code == "PipelineNotFoundException")
        #expect(try await harness.pipelines.getPipeline(name: harness.template).pipeline["name"]?.stringValue == harness.template)
        let counts = try await LocalAWS.callCounts(accessKey: key)
        #expect(counts == ["codepipeline.ListTagsForResource": 1, "codepipeline.DeletePipeline": 1])
    }

    @Test func destroyingAPipelineThatIsGoneSucceeds() async throws {
        let harness = try await CodePipelineHarness()
        let properties = harness.properties()
        let created = try await harness.provider().apply(harness.request(properties: properties))
        let record = harness.record(created, properties: properties)
        try await harness.provider().destroy(record, context: harness.context, progress: { _ in })
        // Again, from the full record (ARN known) and from a record with no outputs (crash before any).
        try await harness.provider().destroy(record, context: harness.context, progress: { _ in })
        var bare = record
        bare.outputs = [:]
        bare.physicalName = nil
        try await harness.provider().destroy(bare, context: harness.context, progress: { _ in })
    }

    /// An attempt that crashed after CreatePipeline left a tagged pipeline with an older
    /// declaration: the retry (its record says an attempt was made) looks first, so it adopts the
    /// pipeline without a second CreatePipeline, updates it and runs it.
    @Test func createAdoptsThePipelineAnEarlierAttemptLeft() async throws {
        let harness = try await CodePipelineHarness()
        let leftover = LocalAWS.pipelineDocument(name: harness.envName, roleArn: harness.role, bucket: harness.artifacts, project: "acme-build")
        let tags = ManagedTags.sorted(harness.context.tags).map { CodePipeline.Tag(key: $0.key, value: $0.value) }
        _ = try await harness.pipelines.createPipeline(leftover, tags: tags)

        let properties = harness.properties()
        let previous = NodeRecord(id: "pipeline", type: .codePipeline, status: .creating, properties: properties, updatedAt: Date())
        let key = LocalAWS.uniqueAccessKey()
        let result = try await harness.provider(accessKey: key).apply(harness.request(properties: properties, previous: previous))

        #expect(result.outputs["stage.Deploy"] == "Succeeded")
        let adopted = try await harness.pipelines.getPipeline(name: harness.envName).pipeline
        #expect(CodePipelineHarness.configuration(adopted, stage: "Source")["BranchName"] == "feature/login")
        #expect(CodePipelineHarness.configuration(adopted, stage: "Build")["ProjectName"]?.stringValue == "\(harness.envName)-build")
        #expect(harness.recorder.progress.contains("adopting pipeline \(harness.envName) left by an earlier attempt"))
        let counts = try await LocalAWS.callCounts(accessKey: key)
        #expect(CodePipelineHarness.writes(counts) == ["codepipeline.UpdatePipeline": 1, "codepipeline.StartPipelineExecution": 1])
    }

    @Test func foreignPipelineIsNeitherModifiedNorDeleted() async throws {
        let harness = try await CodePipelineHarness()
        let foreign = LocalAWS.pipelineDocument(name: harness.envName, roleArn: harness.role, bucket: "someone-elses", project: "theirs")
        _ = try await harness.pipelines.createPipeline(foreign, tags: [.init(key: "team", value: "payments")])

        let properties = harness.properties()
        let error = await #expect(throws: ProviderError.self) {
            try await harness.provider().apply(harness.request(properties: properties))
        }
        #expect(error == .foreignResource(kind: "pipeline", name: harness.envName, detail: "no prenv:managed-by tag"))
        let record = NodeRecord(
            id: "pipeline", type: .codePipeline, status: .failed, properties: properties, physicalName: harness.envName, updatedAt: Date())
        await #expect(throws: ProviderError.foreignResource(kind: "pipeline", name: harness.envName, detail: "no prenv:managed-by tag")) {
            try await harness.provider().destroy(record, context: harness.context, progress: { _ in })
        }

        let untouched = try await harness.pipelines.getPipeline(name: harness.envName).pipeline
        #expect(untouched["version"] == 1)
        #expect(CodePipelineHarness.configuration(untouched, stage: "Build")["ProjectName"] == "theirs")
        let counts = try await LocalAWS.callCounts(accessKey: harness.accessKey)
        #expect(counts["codepipeline.StartPipelineExecution"] == nil)
        #expect(counts["codepipeline.DeletePipeline"] == nil)
    }

    @Test func anotherEnvironmentsPipelineIsForeignToo() async throws {
        let harness = try await CodePipelineHarness()
        var tags = harness.context.tags
        tags["prenv:env"] = "some-other-env"
        let other = LocalAWS.pipelineDocument(name: harness.envName, roleArn: harness.role, bucket: harness.artifacts, project: "acme-build")
        _ = try await harness.pipelines.createPipeline(other, tags: tags.map { CodePipeline.Tag(key: $0.key, value: $0.value) })
        await #expect(throws: ProviderError.foreignResource(kind: "pipeline", name: harness.envName, detail: "tagged for environment some-other-env of acme/site#5")) {
            try await harness.provider().apply(harness.request(properties: harness.properties()))
        }
    }

    /// The record says prenv made the pipeline, but what now has its name is someone else's: an
    /// update must not touch it either.
    @Test func updateRefusesAPipelineReplacedBySomeoneElse() async throws {
        let harness = try await CodePipelineHarness()
        let foreign = LocalAWS.pipelineDocument(name: harness.envName, roleArn: harness.role, bucket: "someone-elses", project: "theirs")
        _ = try await harness.pipelines.createPipeline(foreign, tags: [.init(key: "team", value: "payments")])
        let properties = harness.properties()
        let previous = NodeRecord(id: "pipeline", type: .codePipeline, status: .created, properties: properties,
                                  physicalName: harness.envName, updatedAt: Date())
        await #expect(throws: ProviderError.foreignResource(kind: "pipeline", name: harness.envName, detail: "no prenv:managed-by tag")) {
            try await harness.provider().apply(harness.request(.update(changed: ["branch"]), properties: properties, previous: previous))
        }
        let untouched = try await harness.pipelines.getPipeline(name: harness.envName).pipeline
        #expect(untouched["version"] == 1)
        let counts = try await LocalAWS.callCounts(accessKey: harness.accessKey)
        #expect(counts["codepipeline.UpdatePipeline"] == nil && counts["codepipeline.StartPipelineExecution"] == nil, "\(counts)")
    }
}
