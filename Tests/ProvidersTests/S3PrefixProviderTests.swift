import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// `aws/s3-prefix` create, re-apply, update and adoption against the local endpoint.
@Suite struct S3PrefixProviderTests {
    @Test func createWritesTheMarkerAndReportsOutputs() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let result = try await world.provider.apply(world.request(world.properties()))
        #expect(result.outputs["bucket"] == world.bucket)
        #expect(result.outputs["prefix"] == "site/pr-7/")
        #expect(result.outputs["uri"] == "s3://\(world.bucket)/site/pr-7/")
        #expect(result.outputs[S3PrefixProvider.bucketCreatedOutput] == "false")
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json")
        #expect(marker.metadata["prenv-managed-by"] == "prenv")
        #expect(marker.metadata["prenv-env"] == world.context.envName)
        #expect(marker.metadata["prenv-repository"] == "acme/webapp")
        let body = try JSONDecoder().decode([String: [String: String]].self, from: marker.body)
        #expect(body["tags"] == world.context.tags)
        #expect(world.events.all.contains("checking bucket \(world.bucket)"))
        #expect(world.events.all.contains("writing marker site/pr-7/.prenv-environment.json"))
    }

    @Test func reapplyingWithoutChangesWritesNothing() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let first = try await world.provider.apply(world.request(properties))
        let writesAfterCreate = try await world.writes()
        #expect(writesAfterCreate == 1)
        let previous = world.record(properties, first)
        let again = try await world.provider.apply(world.request(properties, action: .update(changed: []), previous: previous))
        let retried = try await world.provider.apply(world.request(properties, action: .create, previous: previous))
        #expect(again == first)
        #expect(retried == first)
        #expect(try await world.writes() == writesAfterCreate)
    }

    @Test func updateRewritesAStaleMarker() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let first = try await world.provider.apply(world.request(properties))
        // Same owner, but the metadata was stripped (e.g. the object was copied without it).
        let body = try await world.seeder.getObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json").body
        try await world.seeder.putObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json", body: body)
        _ = try await world.provider.apply(world.request(
            world.properties(createBucket: true), action: .update(changed: ["create_bucket"]), previous: world.record(properties, first)))
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json")
        #expect(marker.metadata["prenv-env"] == world.context.envName)
        #expect(try await world.calls()["s3.PUT"] == 2)
    }

    @Test func adoptsItsOwnMarkerAfterACrashWithoutRewriting() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        _ = try await world.provider.apply(world.request(properties))  // the attempt whose result was lost
        try await world.put(["site/pr-7/build/index.html"])
        let crashed = world.record(properties, nil, status: .creating)
        let result = try await world.provider.apply(world.request(properties, previous: crashed))
        #expect(result.outputs["uri"] == "s3://\(world.bucket)/site/pr-7/")
        #expect(try await world.calls()["s3.PUT"] == 1)
        #expect(try await world.keys("site/pr-7/") == ["site/pr-7/.prenv-environment.json", "site/pr-7/build/index.html"])
    }

    /// The executor records the rendered properties before calling the provider, so a refused
    /// attempt leaves a `.failed` record naming this bucket and prefix: the retry must still refuse.
    @Test func aRefusedPrefixStaysRefusedWhenRetriedWithTheFailedRecord() async throws {
        let world = try await S3PrefixHarness.withBucket()
        try await world.put(["site/pr-7/theirs.txt"])  // another system's objects, no marker
        let properties = world.properties()
        await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        let failed = world.record(properties, nil, status: .failed)
        let retry = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties, previous: failed)) }
        #expect(retry.map(String.init(describing:))?.contains("it already holds objects (e.g. site/pr-7/theirs.txt) and no prenv marker") == true)
        // Outputs of a success elsewhere do not count either.
        let elsewhere = world.record(properties, ApplyResult(outputs: ["bucket": world.bucket, "prefix": "site/pr-8/"], physicalName: nil))
        await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties, previous: elsewhere)) }
        #expect(try await world.keys() == ["site/pr-7/theirs.txt"])
        #expect(try await world.writes() == 0)
    }

    @Test func adoptsObjectsWithoutAMarkerWhenAnEarlierApplySucceededThere() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let first = try await world.provider.apply(world.request(properties))
        try await world.put(["site/pr-7/build/index.html"])
        try await world.seeder.deleteObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json")  // the marker is lost
        _ = try await world.provider.apply(world.request(properties, action: .update(changed: []), previous: world.record(properties, first)))
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json")
        #expect(marker.metadata["prenv-env"] == world.context.envName)
        #expect(world.events.all.contains {
            $0.hasPrefix("adopting objects under s3://\(world.bucket)/site/pr-7/: an earlier apply of this node succeeded there")
        })
    }

    @Test func throttlingDuringCreateStillConverges() async throws {
        let world = try await S3PrefixHarness.withBucket()
        try await LocalAWS.addFault(["kind": "throttle", "service": "s3", "access_key": world.accessKey, "count": 2])
        let result = try await world.provider.apply(world.request(world.properties()))
        #expect(result.outputs["prefix"] == "site/pr-7/")
        #expect(try await world.keys("site/pr-7/") == ["site/pr-7/.prenv-environment.json"])
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(world.accessKey)")
        #expect((stats["injected"] as? [String: Any])?["throttled"] as? Int == 2)
    }
}
