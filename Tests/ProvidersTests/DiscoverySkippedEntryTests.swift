import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// A prefix discovery that AWS refuses one read of: the refused entry is reported as skipped
/// (so the sweep knows its list is incomplete) while everything else is still found.
@Suite(.serialized) struct DiscoverySkippedEntryTests {
    let seeder = S3(client: LocalAWS.client())
    let name = S3PrefixProvider.markerName

    /// A bucket holding markers of `instance` under `envs/pr-1/`, `envs/pr-2/` and `envs/pr-3/`, and
    /// a discovery that looks in it, signing with its own access key so a fault touches only it.
    func world() async throws -> (bucket: String, instance: String, accessKey: String, query: DiscoveryQuery) {
        try await LocalAWS.requireRunning()
        let instance = LocalAWS.uniqueName("gc-skip")
        let bucket = LocalAWS.uniqueName("prenv-skip")
        try await seeder.createBucket(bucket)
        for pr in 1...3 {
            let tags = ProvisionContext.defaultTags(envName: "webapp-pr-\(pr)", key: EnvironmentKey(repository: "acme/site", pr: pr, blueprint: "webapp"),
                                                    instance: instance)
            try await seeder.putObject(bucket: bucket, key: "envs/pr-\(pr)/" + name, body: S3PrefixMarker(tags: tags).body, contentType: "application/json")
        }
        let recorded = NodeRecord(id: "artifacts", type: .s3Prefix, status: .created,
                                  properties: ["bucket": .string(bucket), "prefix": .string("envs/pr-1/")], updatedAt: Date())
        return (bucket, instance, LocalAWS.uniqueAccessKey(), DiscoveryQuery(instance: instance, recordedNodes: [recorded]))
    }

    func discovery(_ accessKey: String) -> S3PrefixDiscovery {
        S3PrefixDiscovery(client: LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey)))
    }

    /// S3 GETs of one discovery, in order: the listing (one page), then each marker in key order.
    /// The third is pr-2's marker; AccessDenied (as for a KMS key the caller may not use) there.
    @Test func aMarkerThatCannotBeReadIsSkippedAndTheOthersAreFound() async throws {
        let world = try await world()
        let fault = try await LocalAWS.addFault([
            "kind": "error", "service": "s3", "operation": "GET", "access_key": world.accessKey, "skip": 2, "count": 1,
            "status": 403, "code": "AccessDenied", "message": "not authorized to use the KMS key",
        ])
        let found = try await discovery(world.accessKey).discover(world.query)
        try await LocalAWS.waitUntilFired(fault, within: .seconds(5))

        #expect(found.resources.map(\.identifier) == ["s3://\(world.bucket)/envs/pr-1/", "s3://\(world.bucket)/envs/pr-3/"])
        #expect(found.skipped.map(\.identifier) == ["s3://\(world.bucket)/envs/pr-2/\(name)"])
        let reason = try #require(found.skipped.first?.reason)
        #expect(reason.hasPrefix("cannot read the marker: "), "\(reason)")
        #expect(reason.contains("AccessDenied"), "\(reason)")
        #expect(!found.isComplete)

        // Without the fault the same discovery reads all three: the fault alone made the gap.
        let again = try await discovery(world.accessKey).discover(world.query)
        #expect(again.resources.count == 3)
        #expect(again.skipped.isEmpty)
    }

    /// A bucket that cannot be listed at all (not a missing one) is one skipped entry, not an error
    /// for every prefix of every bucket.
    @Test func aBucketThatCannotBeListedIsSkipped() async throws {
        let world = try await world()
        let fault = try await LocalAWS.addFault([
            "kind": "error", "service": "s3", "operation": "GET", "access_key": world.accessKey, "count": 1,
            "status": 403, "code": "AccessDenied", "message": "Access Denied",
        ])
        let found = try await discovery(world.accessKey).discover(world.query)
        try await LocalAWS.waitUntilFired(fault, within: .seconds(5))
        #expect(found.resources.isEmpty)
        #expect(found.skipped.map(\.identifier) == ["s3://\(world.bucket)/"])
        #expect(found.skipped.first.map { $0.reason.hasPrefix("cannot list the bucket: ") && $0.reason.contains("AccessDenied") } == true,
                "\(found.skipped)")
    }
}
