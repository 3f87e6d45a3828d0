import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// What a pull request's build can write into its own prefix, and writes that race the provider's.
@Suite struct S3PrefixProviderHostileTests {
    static let markerKey = "site/pr-7/.prenv-environment.json"

    static func text(_ error: (any Error)?) -> String { error.map { String(describing: $0) } ?? "" }

    @Test func aHundredMegabyteMarkerIsAClearErrorOnApplyAndDestroy() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let result = try await world.provider.apply(world.request(properties))
        try await world.seeder.putObject(bucket: world.bucket, key: Self.markerKey, body: Data(count: 100 * 1024 * 1024))
        let expected = "marker \(Self.markerKey) is unreadable: too large for a marker "
            + "(s3://\(world.bucket)/\(Self.markerKey) is 104857600 bytes; at most 4096 bytes are read)"
        let applyError = await #expect(throws: ProviderError.self) {
            try await world.provider.apply(world.request(properties, action: .update(changed: []), previous: world.record(properties, result)))
        }
        #expect(Self.text(applyError).contains(expected))
        let destroyError = await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, result)) }
        #expect(Self.text(destroyError).contains(expected))
        #expect(try await world.writes() == 1)  // the first marker only
    }

    @Test func aNonJSONMarkerIsAClearErrorAndNothingIsWrittenOrDeleted() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        // Metadata claiming this environment proves nothing: a build can set metadata too.
        try await world.seeder.putObject(bucket: world.bucket, key: Self.markerKey, body: Data("<html>".utf8),
                                         metadata: S3PrefixMarker(tags: world.context.tags).metadata)
        try await world.put(["site/pr-7/data.bin"])
        let expected = "marker \(Self.markerKey) is unreadable: its 6-byte body is not a prenv marker"
        let applyError = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(properties)) }
        #expect(Self.text(applyError).contains(expected))
        let destroyError = await #expect(throws: ProviderError.self) { try await world.destroy(world.record(properties, nil)) }
        #expect(Self.text(destroyError).contains(expected))
        #expect(try await world.keys().count == 2)
        #expect(try await world.writes() == 0)
    }

    /// No line feed: moto 5.2.1 cannot route a key holding one (see `S3UntrustedTests.hostileKeys`).
    @Test func destroyDeletesKeysWithControlCharactersPercentPlusSpacesAndNonASCII() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties()
        let result = try await world.provider.apply(world.request(properties))
        let hostile = ["ctl\u{1}x", "esc\u{1B}[2J", "tab\t", "cr\rx", "pct%41", "pct%", "plus+x", "sp ace", "a+b c%2B",
                       "ünï", "日本/語", "🙂"].map { "site/pr-7/" + $0 }
        try await world.put(hostile + ["site/pr-7 x/keep", "site/pr-7+/keep"])
        try await world.destroy(world.record(properties, result))
        #expect(try await world.keys() == ["site/pr-7 x/keep", "site/pr-7+/keep"])
        #expect(world.events.all.contains("deleted 13 objects in 2 batches"))
    }

    @Test func aHostileKeyInAnErrorIsPrintable() {
        let failure = S3.DeleteFailure(key: "p/x\n[fake] ok\u{1B}[0m", code: "AccessDenied", message: "denied")
        #expect(S3PrefixProvider.describe([failure], of: 1)
            == "DeleteObjects refused 1 of 1 objects: p/x\\u{a}[fake] ok\\u{1b}[0m (AccessDenied: denied)")
    }

    /// Holds the provider's next PUT for `milliseconds` and returns once it is in flight. Long, because
    /// the other writer must land inside the hold even when a full parallel run slows the endpoint
    /// (3 s once was not enough in CI).
    static func delayNextPut(_ world: S3PrefixHarness, milliseconds: Int = 15000) async throws -> String {
        try await LocalAWS.addFault(["kind": "latency", "service": "s3", "operation": "PUT", "access_key": world.accessKey,
                                     "latency_ms": milliseconds, "count": 1])
    }

    @Test func losingTheConditionalCreateToAnotherEnvironmentFailsNamingIt() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let fault = try await Self.delayNextPut(world)
        let applied = Task { try await world.provider.apply(world.request(world.properties())) }
        try await LocalAWS.waitUntilFired(fault)
        let other = S3PrefixHarness(env: "fast-env")
        try await world.seeder.putObject(bucket: world.bucket, key: Self.markerKey, body: S3PrefixMarker(tags: other.context.tags).body)
        let error = await #expect(throws: ProviderError.self) { try await applied.value }
        #expect(Self.text(error).contains("marker \(Self.markerKey) is tagged for environment fast-env"))
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: Self.markerKey)
        #expect(S3PrefixMarker(body: marker.body)?.environment == "fast-env")
    }

    @Test func losingTheConditionalCreateToOurOwnEarlierWriteAdopts() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let fault = try await Self.delayNextPut(world)
        let applied = Task { try await world.provider.apply(world.request(world.properties())) }
        try await LocalAWS.waitUntilFired(fault)
        try await world.seeder.putObject(bucket: world.bucket, key: Self.markerKey, body: S3PrefixMarker(tags: world.context.tags).body)
        let result = try await applied.value
        #expect(result.outputs["uri"] == "s3://\(world.bucket)/site/pr-7/")
        #expect(world.events.all.contains("marker \(Self.markerKey) was already written for this environment; adopted"))
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: Self.markerKey)
        #expect(marker.metadata["prenv-env"] == world.context.envName)  // the update added the metadata
    }

    @Test func aConditionalRequestConflictFailsClearly() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let fault = try await LocalAWS.addFault(["kind": "error", "service": "s3", "operation": "PUT", "access_key": world.accessKey,
                                                 "status": 409, "code": "ConditionalRequestConflict", "count": 1])
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(world.properties())) }
        try await LocalAWS.waitUntilFired(fault, within: .seconds(1))
        #expect(Self.text(error).contains("creating marker \(Self.markerKey) collided with another write (ConditionalRequestConflict) that left no marker; retry"))
    }

    @Test func overlappingPrefixesCreatedAtOnceNeverBothSucceed() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties(prefix: "previews/feat/sub/")
        let fault = try await Self.delayNextPut(world)
        let inner = Task { try await world.provider.apply(world.request(properties)) }
        try await LocalAWS.waitUntilFired(fault)
        // The outer environment's marker lands while the inner one's PUT is held back, after the
        // inner apply's first check: only its check after writing can see it.
        let outer = S3PrefixHarness(env: "outer-env")
        try await world.seeder.putObject(bucket: world.bucket, key: "previews/feat/.prenv-environment.json",
                                         body: S3PrefixMarker(tags: outer.context.tags).body)
        let error = await #expect(throws: ProviderError.self) { try await inner.value }
        #expect(Self.text(error).contains("lies inside s3://\(world.bucket)/previews/feat/, the prefix of environment outer-env"))
        #expect(try await world.keys() == ["previews/feat/.prenv-environment.json"])
        #expect(try await world.calls()["s3.DELETE"] == 1)  // its own fresh marker, rolled back
    }
}
