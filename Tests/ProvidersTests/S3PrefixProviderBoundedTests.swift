import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// A build can write millions of keys, and marker-named keys, under its prefix: listing goes page by
/// page, and marker-named keys are read only up to a cap.
@Suite struct S3PrefixProviderBoundedTests {
    static func text(_ error: (any Error)?) -> String { error.map { String(describing: $0) } ?? "" }

    static func paged(_ world: S3PrefixHarness, pageSize: Int = 10) -> S3PrefixProvider {
        var provider = world.provider
        provider.listPageSize = pageSize
        return provider
    }

    @Test func moreMarkerNamedKeysThanTheCapAreRefusedWithoutReadingThem() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let provider = Self.paged(world)
        let properties = world.properties()
        let result = try await provider.apply(world.request(properties))
        let limit = S3PrefixProvider.nestedMarkerLimit
        try await world.put((0..<(limit + 20)).map { "site/pr-7/d\(1000 + $0)/.prenv-environment.json" })
        let before = try await world.calls()["s3.GET"] ?? 0

        let applyError = await #expect(throws: ProviderError.self) {
            try await provider.apply(world.request(properties, action: .update(changed: []), previous: world.record(properties, result)))
        }
        let expected = "S3 prefix s3://\(world.bucket)/site/pr-7/ holds more than \(limit) objects named .prenv-environment.json below its own marker"
        #expect(Self.text(applyError).contains(expected))
        let applyGETs = (try await world.calls()["s3.GET"] ?? 0) - before
        // Own marker, then the listing (pages of 10, own marker first) up to the 101st marker-named
        // key: 11 pages, and no marker-named key under the prefix was read.
        let pages = (limit + 2 + 9) / 10
        #expect(applyGETs == 1 + pages)

        let destroyError = await #expect(throws: ProviderError.self) { try await provider.destroy(world.record(properties, result), context: world.context) { _ in } }
        #expect(Self.text(destroyError).contains(expected))
        #expect((try await world.calls()["s3.GET"] ?? 0) - before == 2 * (1 + pages))
        #expect(try await world.keys().count == limit + 21)
        #expect(try await world.writes() == 1)  // the first marker only
    }

    @Test func destroyWalksManyPagesKeepingAForeignPrefixWhoseKeysSortBeforeItsMarker() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let provider = Self.paged(world)
        let properties = world.properties()
        let result = try await provider.apply(world.request(properties))
        let other = S3PrefixHarness(env: "inner-env")
        let innerMarker = "site/pr-7/m/.prenv-environment.json"
        try await world.seeder.putObject(bucket: world.bucket, key: innerMarker, body: S3PrefixMarker(tags: other.context.tags).body)
        // `m/-early` sorts before the inner marker and lands in an earlier page than it.
        let kept = ["site/pr-7/m/-early", "site/pr-7/m/0", "site/pr-7/m/z"]
        let data = (0..<95).map { "site/pr-7/f\(100 + $0)" } + ["site/pr-7/x/.prenv-environment.json"]
        try await world.put(data + kept)
        let before = try await world.calls()

        try await provider.destroy(world.record(properties, result), context: world.context) { [events = world.events] in events.append($0) }

        #expect(try await world.keys() == (kept + [innerMarker]).sorted())
        let after = try await world.calls()
        let posts = (after["s3.POST"] ?? 0) - (before["s3.POST"] ?? 0)
        #expect(posts > 2)  // one DeleteObjects per listed page with deletable keys, then the marker
        #expect(world.events.all.contains("deleted 97 objects in \(posts) batches"))
        #expect(world.events.all.contains("keeping s3://\(world.bucket)/site/pr-7/m/: it belongs to environment inner-env"))
        // Reads: own marker, two marker-named keys; every other GET is one listed page.
        let gets = (after["s3.GET"] ?? 0) - (before["s3.GET"] ?? 0)
        // 101 keys in pages of 10: 11 pages per pass, two passes.
        #expect(gets <= 3 + 2 * 11)
    }

    @Test func aForgedMarkerWithControlCharactersReachesTheErrorPrintableAndCut() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let forged = "123456789012\n2030-01-01T00:00:00 info deployed \u{1B}[2J" + String(repeating: "x", count: 500)
        var tags = world.context.tags
        tags[ManagedTags.environmentKey] = forged
        tags["prenv:repository"] = "evil\r\n[fake]"
        try await world.seeder.putObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json", body: S3PrefixMarker(tags: tags).body)
        let error = await #expect(throws: ProviderError.self) { try await world.provider.apply(world.request(world.properties())) }
        let text = Self.text(error)
        #expect(text.contains("tagged for environment 123456789012\\u{a}2030-01-01T00:00:00 info deployed \\u{1b}[2J"))
        #expect(text.contains("of evil\\u{d}\\u{a}[fake]"))
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(text.contains("xxx…"))
        #expect(text.count < 600)
    }
}
