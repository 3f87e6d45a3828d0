import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// prenv never writes into or deletes from a prefix it cannot prove is this environment's.
@Suite struct S3PrefixProviderOwnershipTests {
    @Test func refusesAPrefixMarkedForAnotherEnvironmentOnApplyAndDestroy() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let other = S3PrefixHarness(env: "someone-elses-env")
        let properties = world.properties()
        // Another environment's apply, through a seeding client.
        _ = try await S3PrefixProvider(client: LocalAWS.client()).apply(other.request(properties))
        try await world.put(["site/pr-7/theirs.bin"])

        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        #expect(error == .foreignResource(
            kind: "S3 prefix", name: "s3://\(world.bucket)/site/pr-7/",
            detail: "marker site/pr-7/.prenv-environment.json is tagged for environment someone-elses-env of acme/webapp#7"))
        #expect(error.map(String.init(describing:))?.contains("s3://\(world.bucket)/site/pr-7/ exists but is not managed by prenv") == true)

        await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, nil)) }
        #expect(try await world.keys("site/pr-7/").count == 2)
        #expect(try await world.writes() == 0)
    }

    @Test func refusesUnmarkedDataOnApplyAndDestroy() async throws {
        let world = try await S3PrefixHarness.withBucket()
        try await world.put(["site/pr-7/report.csv"])
        let properties = world.properties()
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("S3 prefix s3://\(world.bucket)/site/pr-7/ exists but is not managed by prenv"))
        #expect(text.contains("site/pr-7/report.csv"))

        let destroyError = await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, nil)) }
        #expect(destroyError.map(String.init(describing:))?.contains("no prenv marker") == true)
        #expect(try await world.keys() == ["site/pr-7/report.csv"])
        #expect(try await world.writes() == 0)
    }

    @Test func aMissingBucketWithoutCreateBucketIsNamed() async throws {
        try await LocalAWS.requireRunning()
        let world = S3PrefixHarness()
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(world.properties())) }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("S3 bucket `\(world.bucket)` does not exist"))
        #expect(text.contains("create_bucket: true"))
    }

    @Test func aPrefixThatCouldMatchSiblingsIsRejected() async throws {
        let world = try await S3PrefixHarness.withBucket()
        for prefix in ["pr-1", "", "/abs/"] {
            await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(world.properties(prefix: prefix))) }
            await #expect(throws: ProviderError.self) { try await world.destroy(world.record(world.properties(prefix: prefix), nil)) }
        }
        #expect(try await world.calls().isEmpty)
    }
}
