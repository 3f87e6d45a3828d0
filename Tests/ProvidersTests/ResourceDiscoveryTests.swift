import AWSCore
import AWSServices
import Blueprint
import Foundation
import LocalAWSSupport
import Orchestrator
import SeededRandom
import Testing

@testable import Providers

/// One instance's environment: one resource of every kind, made through the providers as the
/// executor would (instance and node tags on every call), plus the templates they copy.
struct DiscoveryWorld {
    let instance: String
    let context: ProvisionContext
    let pipeline: CodePipelineHarness
    let stack: CloudFormationStackFixture
    let build: CodeBuildProjectHarness
    let buildTemplate: String
    let bucket: String
    let prefix: String

    /// Node ids, as a blueprint would name its resources.
    static let nodeIDs: [ResourceType: String] = [.codePipeline: "pipeline", .codeBuildProject: "build", .cloudFormationStack: "site", .s3Prefix: "artifacts"]

    static func make(instance: String, bucket: String, prefix: String, pr: Int) async throws -> DiscoveryWorld {
        let pipeline = try await CodePipelineHarness()
        let build = try await CodeBuildProjectHarness.make()
        let buildTemplate = try await build.makeTemplate()
        let context = ProvisionContext(
            envName: pipeline.envName, key: EnvironmentKey(repository: "acme/site", pr: pr, blueprint: "webapp"),
            headSHA: CodePipelineHarness.sha1, instance: instance)
        let world = DiscoveryWorld(
            instance: instance, context: context, pipeline: pipeline, stack: CloudFormationStackFixture(), build: build,
            buildTemplate: buildTemplate, bucket: bucket, prefix: prefix)
        try await world.create()
        return world
    }

    func request(_ type: ResourceType, _ properties: [String: RenderedValue]) -> ApplyRequest {
        let id = Self.nodeIDs[type] ?? "?"
        return ApplyRequest(nodeID: id, action: .create, properties: properties, previous: nil, context: context.forNode(id))
    }

    private func create() async throws {
        _ = try await pipeline.provider().apply(request(.codePipeline, pipeline.properties()))
        _ = try await build.provider.apply(request(.codeBuildProject, build.templateProperties(buildTemplate)))
        _ = try await stack.provider.apply(request(.cloudFormationStack, stack.properties()))
        _ = try await S3PrefixProvider(client: LocalAWS.client()).apply(request(.s3Prefix, ["bucket": .string(bucket), "prefix": .string(prefix)]))
    }
}

@Suite(.serialized) struct ResourceDiscoveryTests {
    let client = LocalAWS.client()

    func discover(_ instance: String, recordedNodes: [NodeRecord] = []) async throws -> [DiscoveredResource] {
        var found: [DiscoveredResource] = []
        for discovery in ProviderKind.all.makeDiscoveries(ProviderDependencies(client: client, waiter: .fast)) {
            let batch = try await discovery.discover(DiscoveryQuery(instance: instance, recordedNodes: recordedNodes))
            #expect(batch.resources.allSatisfy { $0.type == discovery.type })
            #expect(batch.skipped.isEmpty, "skipped: \(batch.skipped)")
            found += batch.resources
        }
        return found
    }

    @Test func findsExactlyOneInstancesResourcesAndTheyCanBeDestroyedFromTheirTags() async throws {
        try await LocalAWS.requireRunning()
        let bucket = LocalAWS.uniqueName("prenv-disc")
        try await S3(client: client).createBucket(bucket)
        let a = try await DiscoveryWorld.make(instance: LocalAWS.uniqueName("gc-a"), bucket: bucket, prefix: "previews/a/pr-5/", pr: 5)
        let b = try await DiscoveryWorld.make(instance: LocalAWS.uniqueName("gc-b"), bucket: bucket, prefix: "previews/b/pr-6/", pr: 6)
        // What the state store would remember of some other environment in that bucket: where to look.
        let recorded = NodeRecord(id: "artifacts", type: .s3Prefix, status: .created,
                                  properties: ["bucket": .string(bucket), "prefix": .string("previews/zz/pr-1/")], updatedAt: Date())

        let found = try await discover(a.instance, recordedNodes: [recorded])
        #expect(found.count == 4)
        #expect(Set(found.map(\.type)) == [.codePipeline, .codeBuildProject, .cloudFormationStack, .s3Prefix])
        for resource in found {
            #expect(resource.tags[PrenvTag.instance] == a.instance)
            #expect(resource.tags[PrenvTag.environment] == a.context.envName)
            #expect(resource.tags[PrenvTag.pr] == "5")
            #expect(resource.createdAt != nil, "\(resource.identifier) has no creation time")
            #expect(resource.node.id == DiscoveryWorld.nodeIDs[resource.type])
            #expect(resource.node.status == .created)
        }
        let byType = Dictionary(found.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first })
        // Physical names exactly as each provider's apply reports them.
        #expect(byType[.codePipeline]?.node.physicalName == a.pipeline.envName)
        #expect(byType[.codeBuildProject]?.node.physicalName == a.build.name)
        #expect(byType[.cloudFormationStack]?.node.physicalName == a.stack.name)
        #expect(byType[.s3Prefix]?.node.physicalName == "s3://\(bucket)/previews/a/pr-5/")
        #expect(byType[.s3Prefix]?.identifier == "s3://\(bucket)/previews/a/pr-5/")
        let names = found.map(\.identifier).joined(separator: " ")
        for foreign in [b.pipeline.envName, b.build.name, b.stack.name, "previews/b/", a.pipeline.template, a.buildTemplate] {
            #expect(!names.contains(foreign), "discovery of \(a.instance) found \(foreign)")
        }

        let providers = Dictionary(ProviderKind.all.makeProviders(ProviderDependencies(client: client, waiter: .fast)).map { ($0.type, $0) },
                                   uniquingKeysWith: { first, _ in first })
        // Dependents first, as a blueprint's reverse order would have it.
        for type in [ResourceType.codePipeline, .codeBuildProject, .cloudFormationStack, .s3Prefix] {
            let resource = try #require(byType[type])
            let context = try #require(ProvisionContext(tags: resource.tags))
            #expect(context.instance == a.instance)
            try await #require(providers[type]).destroy(resource.node, context: context, progress: { _ in })
        }
        #expect(try await discover(a.instance, recordedNodes: [recorded]).isEmpty)
        #expect(try await S3(client: client).listObjectsV2(bucket: bucket, prefix: "previews/a/").isEmpty)
        #expect(try await CodePipeline(client: client).getPipeline(name: a.pipeline.template).metadata != nil, "the template pipeline is untouched")

        // The other instance's four are all still there.
        let others = try await discover(b.instance, recordedNodes: [recorded])
        #expect(others.count == 4)
        #expect(others.allSatisfy { $0.tags[PrenvTag.instance] == b.instance })
    }

    @Test func aPrefixListingIsRestrictedToWholeLiteralSegments() throws {
        #expect(S3PrefixDiscovery.leadingPath("previews/pr-") == "previews/")
        #expect(S3PrefixDiscovery.leadingPath("previews/a/pr-5/") == "previews/a/pr-5/")
        #expect(S3PrefixDiscovery.leadingPath("pr-") == "")
        // A segment the sanitiser would rewrite is not certain to survive rendering.
        #expect(S3PrefixDiscovery.leadingPath("pre views/x/") == "")
        #expect(S3PrefixDiscovery.leadingPath("ok/-dash/x/") == "ok/")
        #expect(S3PrefixDiscovery.commonPrefix(["previews/a/pr-5/", "previews/b/pr-6/"]) == "previews/")
        let blueprint = try #require(try BlueprintLoader.parse(yaml: """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: shared, prefix: "previews/${repo.name}/pr-${pr.number}/" }
              per-branch:
                type: aws/s3-prefix
                properties: { bucket: "${pr.head.ref}", prefix: "x/" }
            """, file: "bp.yaml", kinds: ProviderKind.all.resourceKinds))
        let recorded = [("shared", "previews/site/pr-5/"), ("shared", "old/pr-1/"), ("elsewhere", "a/b/")].map {
            NodeRecord(id: "artifacts", type: .s3Prefix, status: .created, properties: ["bucket": .string($0.0), "prefix": .string($0.1)], updatedAt: Date())
        }
        let fromBlueprint = DiscoveryQuery(instance: "x", recordedNodes: [recorded[0]], blueprintResources: blueprint.resources)
        #expect(S3PrefixDiscovery.listings(fromBlueprint, taggedBuckets: [], restrict: true) == ["shared": "previews/"])
        // A record of an older blueprint widens the listing; a bucket only a record names is listed whole.
        let widened = DiscoveryQuery(instance: "x", recordedNodes: recorded, blueprintResources: blueprint.resources)
        #expect(S3PrefixDiscovery.listings(widened, taggedBuckets: ["own"], restrict: true) == ["shared": "", "elsewhere": "", "own": ""])
        #expect(S3PrefixDiscovery.listings(fromBlueprint, taggedBuckets: ["shared"], restrict: true) == ["shared": ""])
        #expect(S3PrefixDiscovery.listings(fromBlueprint, taggedBuckets: [], restrict: false) == ["shared": ""])
    }

    @Test func aMarkerInsideAnotherIsFoundBySegmentLookupsAsByComparingEveryPair() {
        #expect(S3PrefixDiscovery.liesInsideAnother("a/b/", marked: ["a/", "a/b/"]))
        #expect(!S3PrefixDiscovery.liesInsideAnother("a/", marked: ["a/", "a/b/"]))
        #expect(!S3PrefixDiscovery.liesInsideAnother("ab/", marked: ["a/", "a/b/"]))
        #expect(S3PrefixDiscovery.liesInsideAnother("a//b/", marked: ["a//"]))
        #expect(S3PrefixDiscovery.liesInsideAnother("/x/", marked: ["/"]))
        // Against the pairwise comparison it replaces, over prefixes of `a`, `b`, `/` ending in `/`
        // (marker keys are `<prefix>/.prenv-environment.json`), empty segments included.
        var random = SplitMix64(seed: 11)
        var nested = 0
        for _ in 0..<300 {
            let prefixes = Set((0..<Int.random(in: 1...12, using: &random)).map { _ in
                String((0..<Int.random(in: 0...6, using: &random)).map { _ in ["a", "b", "/"].randomElement(using: &random) ?? "/" }) + "/"
            })
            for prefix in prefixes {
                let pairwise = prefixes.contains { $0 != prefix && prefix.hasPrefix($0) }
                #expect(S3PrefixDiscovery.liesInsideAnother(prefix, marked: prefixes) == pairwise, "\(prefix) in \(prefixes.sorted())")
                if pairwise { nested += 1 }
            }
        }
        #expect(nested > 100, "the generated prefixes nest too rarely to compare the two: \(nested)")
    }

    @Test func forgedAndBrokenMarkersAreSkipped() async throws {
        try await LocalAWS.requireRunning()
        let instance = LocalAWS.uniqueName("gc-m")
        let bucket = LocalAWS.uniqueName("prenv-disc")
        let s3 = S3(client: client)
        try await s3.createBucket(bucket)
        let tags = ProvisionContext.defaultTags(envName: "webapp-pr-9", key: EnvironmentKey(repository: "acme/site", pr: 9, blueprint: "webapp"),
                                                instance: instance)
        let marker = S3PrefixMarker(tags: tags)
        let name = S3PrefixProvider.markerName
        try await s3.putObject(bucket: bucket, key: "envs/pr-9/" + name, body: marker.body, contentType: "application/json")
        // Written by pr-9's build under its own prefix: a marker inside another marker's prefix.
        try await s3.putObject(bucket: bucket, key: "envs/pr-9/sub/" + name, body: marker.body, contentType: "application/json")
        try await s3.putObject(bucket: bucket, key: "envs/pr-8/" + name, body: Data("{\"tags\": 7}".utf8), contentType: "application/json")
        try await s3.putObject(bucket: bucket, key: "envs/pr-7/" + name, body: Data(repeating: 32, count: 5000) + marker.body, contentType: "application/json")
        let recorded = NodeRecord(id: "artifacts", type: .s3Prefix, status: .created,
                                  properties: ["bucket": .string(bucket), "prefix": .string("envs/pr-1/")], updatedAt: Date())
        var discovery = S3PrefixDiscovery(client: client)
        discovery.listPageSize = 2
        let found = try await discovery.discover(DiscoveryQuery(instance: instance, recordedNodes: [recorded]))
        #expect(found.resources.map(\.identifier) == ["s3://\(bucket)/envs/pr-9/"])
        // A marker a build wrote badly is hostile input, not an entry AWS refused: dropped, not skipped.
        #expect(found.skipped.isEmpty, "skipped: \(found.skipped)")
    }
}
