import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// Destroy deletes exactly the prefix's objects, in batches, and the bucket only if prenv made it.
@Suite struct S3PrefixProviderDestroyTests {
    @Test func deletes1003ObjectsInTwoBatchesAndSparesPr10() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties(prefix: "pr-1/")
        let result = try await world.provider.apply(world.request(properties))
        try await world.put((0..<1003).map { "pr-1/artifact-\($0)" } + ["pr-10/keep", "pr-1-b/keep", "pr-1.txt"])
        try await world.destroy(world.record(properties, result))
        #expect(try await world.keys() == ["pr-1-b/keep", "pr-1.txt", "pr-10/keep"])
        // A page at a time (1000 keys, the marker among them and skipped), then the marker alone.
        #expect(try await world.calls()["s3.POST"] == 3)
        #expect(world.events.all.contains("deleted 1004 objects in 3 batches"))
    }

    @Test func deletingPrefixASparesPrefixAB() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties(prefix: "a/")
        let result = try await world.provider.apply(world.request(properties))
        try await world.put(["a/one", "a/deep/two", "a-b/keep", "ab/keep", "a"])
        try await world.destroy(world.record(properties, result))
        #expect(try await world.keys() == ["a", "a-b/keep", "ab/keep"])
    }

    @Test func deleteWhenGoneIsSuccess() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let result = try await world.provider.apply(world.request(properties))
        let record = world.record(properties, result)
        try await world.destroy(record)
        try await world.destroy(record)  // prefix already empty
        #expect(world.events.all.contains("s3://\(world.bucket)/site/pr-7/ is already empty"))
        let missing = S3PrefixHarness()  // a bucket that never existed
        try await missing.destroy(missing.record(missing.properties(), nil))
        #expect(missing.events.all.contains("bucket \(missing.bucket) is gone; nothing to delete"))
    }

    @Test func createBucketCreatesTagsAndLaterDeletesTheBucket() async throws {
        try await LocalAWS.requireRunning()
        let world = S3PrefixHarness()
        let properties = world.properties(createBucket: true)
        let result = try await world.provider.apply(world.request(properties))
        #expect(result.outputs[S3PrefixProvider.bucketCreatedOutput] == "true")
        try await world.seeder.headBucket(world.bucket)
        let tags = try await S3(client: LocalAWS.client()).getBucketTagging(world.bucket)
        #expect(tags == world.context.tags)

        // A retry after a crash that lost the outputs still knows the bucket is its own.
        let retried = try await world.provider.apply(world.request(properties, previous: world.record(properties, nil, status: .creating)))
        #expect(retried.outputs[S3PrefixProvider.bucketCreatedOutput] == "true")

        try await world.put(["site/pr-7/index.html"])
        try await world.destroy(world.record(properties, result))
        let error = await #expect(throws: AWSError.self) { try await world.seeder.headBucket(world.bucket) }
        #expect(error?.isNotFound == true)
        #expect(world.events.all.contains("deleting bucket \(world.bucket)"))
    }

    @Test func aCreatedBucketThatHoldsOtherDataIsKept() async throws {
        try await LocalAWS.requireRunning()
        let world = S3PrefixHarness()
        let properties = world.properties(createBucket: true)
        let result = try await world.provider.apply(world.request(properties))
        try await world.put(["someone/else.txt"])
        try await world.destroy(world.record(properties, result))
        #expect(try await world.keys() == ["someone/else.txt"])
        #expect(world.events.all.contains { $0.hasPrefix("bucket \(world.bucket) still holds objects outside site/pr-7/") })
    }

    @Test func aSharedBucketIsNeverDeleted() async throws {
        let world = try await S3PrefixHarness.withBucket()
        // create_bucket: true, but the bucket already existed: it is used, not owned.
        let properties = world.properties(createBucket: true)
        let result = try await world.provider.apply(world.request(properties))
        #expect(result.outputs[S3PrefixProvider.bucketCreatedOutput] == "false")
        try await world.destroy(world.record(properties, result))
        try await world.seeder.headBucket(world.bucket)
        #expect(try await world.calls()["s3.DELETE"] == nil)
    }
}
