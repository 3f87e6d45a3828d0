import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Two prenv instances sharing an account never touch each other's resources; resources made
/// before instances were tagged stay their environment's.
@Suite struct InstanceOwnershipTests {
    let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")

    func context(_ env: String, instance: String?) -> ProvisionContext {
        ProvisionContext(envName: env, key: key, headSHA: "abc123", instance: instance)
    }

    @Test func ownershipFollowsTheInstanceTag() {
        let tagged = ProvisionContext.defaultTags(envName: "webapp-pr-7", key: key, instance: "gc-a")
        #expect(ManagedTags.isOwned(tagged, by: context("webapp-pr-7", instance: "gc-a")))
        #expect(!ManagedTags.isOwned(tagged, by: context("webapp-pr-7", instance: "gc-b")))
        #expect(!ManagedTags.isOwned(tagged, by: context("webapp-pr-8", instance: "gc-a")))
        // A context without an instance (older callers) goes by the environment alone.
        #expect(ManagedTags.isOwned(tagged, by: context("webapp-pr-7", instance: nil)))
        // Legacy: made before instances were tagged.
        let legacy = ProvisionContext.defaultTags(envName: "webapp-pr-7", key: key)
        #expect(ManagedTags.isOwned(legacy, by: context("webapp-pr-7", instance: "gc-b")))
        let detail = ManagedTags.ownershipDetail(tagged, context: context("webapp-pr-7", instance: "gc-b"))
        #expect(detail.contains("another prenv instance, gc-a"))
        #expect(detail.contains("this is gc-b"))
        // The instance named in the detail is shown escaped, as every tag value is.
        var hostile = tagged
        hostile[PrenvTag.instance] = "evil\n[INFO] forged"
        #expect(!ManagedTags.ownershipDetail(hostile, context: context("webapp-pr-7", instance: "gc-b")).contains("\n"))
    }

    func seedProject(tags: [String: String]) async throws -> (name: String, record: NodeRecord) {
        try await LocalAWS.requireRunning()
        let client = LocalAWS.client()
        let role = try await LocalAWS.serviceRoleARN(client: client)
        let name = LocalAWS.uniqueName("prenv-own")
        var document = LocalAWS.projectDocument(name: name, serviceRole: role)
        document["tags"] = .array(tags.sorted { $0.key < $1.key }.map { .object(["key": .string($0.key), "value": .string($0.value)]) })
        _ = try await CodeBuild(client: client).createProject(document)
        let record = NodeRecord(id: "build", type: .codeBuildProject, status: .created, properties: ["name": .string(name)],
                                outputs: ["name": name], physicalName: name, updatedAt: Date())
        return (name, record)
    }

    @Test func aProviderRefusesAResourceAnotherInstanceTagged() async throws {
        let env = LocalAWS.uniqueName("webapp-pr-7")
        let (name, record) = try await seedProject(tags: ProvisionContext.defaultTags(envName: env, key: key, instance: "gc-a"))
        let provider = CodeBuildProjectProvider(client: LocalAWS.client())
        let error = await #expect(throws: ProviderError.self) {
            try await provider.destroy(record, context: context(env, instance: "gc-b").forNode("build"), progress: { _ in })
        }
        guard case .foreignResource(_, let refused, let detail)? = error else {
            Issue.record("expected foreignResource, got \(String(describing: error))")
            return
        }
        #expect(refused == name)
        #expect(detail.contains("gc-a"))
        #expect(try await CodeBuild(client: LocalAWS.client()).batchGetProjects(names: [name]).projects?.count == 1, "the project must still exist")
        // Its own instance may delete it.
        try await provider.destroy(record, context: context(env, instance: "gc-a"), progress: { _ in })
        #expect(try await CodeBuild(client: LocalAWS.client()).batchGetProjects(names: [name]).projects?.isEmpty ?? true)
    }

    @Test func aProviderAcceptsALegacyResourceWithoutAnInstanceTag() async throws {
        let env = LocalAWS.uniqueName("webapp-pr-7")
        let (name, record) = try await seedProject(tags: ProvisionContext.defaultTags(envName: env, key: key))
        try await CodeBuildProjectProvider(client: LocalAWS.client())
            .destroy(record, context: context(env, instance: "gc-b"), progress: { _ in })
        #expect(try await CodeBuild(client: LocalAWS.client()).batchGetProjects(names: [name]).projects?.isEmpty ?? true)
    }

    @Test func aLegacyPipelineGetsTheInstanceTagOnItsNextApply() async throws {
        let harness = try await CodePipelineHarness()
        let properties = harness.properties()
        let legacy = harness.context.forNode("pipeline")
        let created = try await harness.provider().apply(
            ApplyRequest(nodeID: "pipeline", action: .create, properties: properties, previous: nil, context: legacy))
        let arn = try #require(created.outputs["arn"])
        #expect(try await harness.pipelines.listTagsForResource(resourceArn: arn).contains { $0.key == PrenvTag.instance } == false)
        var instanced = legacy
        instanced.instance = "gc-a"
        instanced.tags[PrenvTag.instance] = "gc-a"
        _ = try await harness.provider().apply(ApplyRequest(
            nodeID: "pipeline", action: .update(changed: []), properties: properties, previous: harness.record(created, properties: properties),
            context: instanced))
        let tags = Dictionary(try await harness.pipelines.listTagsForResource(resourceArn: arn).map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        #expect(tags == instanced.tags)
        // Now it is gc-a's: another instance is refused.
        var other = instanced
        other.instance = "gc-b"
        other.tags[PrenvTag.instance] = "gc-b"
        await #expect(throws: ProviderError.self) {
            try await harness.provider().destroy(harness.record(created, properties: properties), context: other, progress: { _ in })
        }
    }

    @Test func anS3MarkerWithInstanceAndNodeRoundTrips() async throws {
        let harness = try await S3PrefixHarness.withBucket()
        let context = harness.context.forNode("artifacts")
        var instanced = context
        instanced.instance = "gc-a"
        instanced.tags[PrenvTag.instance] = "gc-a"
        let properties = harness.properties()
        let request = ApplyRequest(nodeID: "artifacts", action: .create, properties: properties, previous: nil, context: instanced)
        let result = try await harness.provider.apply(request)
        let marker = try await harness.provider.readMarker(bucket: harness.bucket, key: "site/pr-7/" + S3PrefixProvider.markerName)
        guard case .marker(let object) = marker else {
            Issue.record("no readable marker: \(marker)")
            return
        }
        #expect(object.marker.tags == instanced.tags)
        #expect(object.marker.tags[PrenvTag.node] == "artifacts")
        let writesBefore = try await harness.writes()
        _ = try await harness.provider.apply(ApplyRequest(nodeID: "artifacts", action: .update(changed: []), properties: properties,
                                                          previous: harness.record(properties, result), context: instanced))
        #expect(try await harness.writes() == writesBefore, "re-applying an unchanged marker writes nothing")
    }
}
