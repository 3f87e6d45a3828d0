import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// One environment per prefix, and no environment's prefix inside another's (same bucket).
@Suite struct S3PrefixProviderOverlapTests {
    /// Another environment's apply in `world`'s bucket, through its own access key.
    static func applyAsOther(_ world: S3PrefixHarness, env: String, prefix: String) async throws -> S3PrefixHarness {
        let other = S3PrefixHarness(env: env)
        _ = try await other.provider.apply(other.request(world.properties(prefix: prefix)))
        return other
    }

    static func refusal(_ error: ProviderError?) -> String { error.map(String.init(describing:)) ?? "" }

    @Test func anInnerPrefixOfAnotherEnvironmentIsRefused() async throws {
        let world = try await S3PrefixHarness.withBucket()
        _ = try await Self.applyAsOther(world, env: "outer-env", prefix: "previews/feat/")
        let error = await #expect(throws: ProviderError.self) {
            try await world.provider.apply(world.request(world.properties(prefix: "previews/feat/sub/")))
        }
        #expect(Self.refusal(error).hasPrefix(
            "S3 prefix s3://\(world.bucket)/previews/feat/sub/ lies inside s3://\(world.bucket)/previews/feat/, the prefix of environment outer-env;"))
        #expect(try await world.writes() == 0)
        #expect(try await world.keys() == ["previews/feat/.prenv-environment.json"])
    }

    @Test func anOuterPrefixOfAnotherEnvironmentIsRefused() async throws {
        let world = try await S3PrefixHarness.withBucket()
        _ = try await Self.applyAsOther(world, env: "inner-env", prefix: "previews/feat/sub/")
        let error = await #expect(throws: ProviderError.self) {
            try await world.provider.apply(world.request(world.properties(prefix: "previews/feat/")))
        }
        #expect(Self.refusal(error).hasPrefix(
            "S3 prefix s3://\(world.bucket)/previews/feat/ contains s3://\(world.bucket)/previews/feat/sub/, the prefix of environment inner-env;"))
        #expect(try await world.writes() == 0)
    }

    @Test func prefixesOfTheSameEnvironmentMayNestAndSiblingsNeverOverlap() async throws {
        let world = try await S3PrefixHarness.withBucket()
        _ = try await world.provider.apply(world.request(world.properties(prefix: "site/")))
        _ = try await world.provider.apply(world.request(world.properties(prefix: "site/assets/")))
        _ = try await Self.applyAsOther(world, env: "sibling-env", prefix: "site-b/")
        _ = try await Self.applyAsOther(world, env: "sibling-env-2", prefix: "sites/x/")
        #expect(try await world.keys().count == 4)
    }

    @Test func anUnreadableMarkerAtAnAncestorIsRefused() async throws {
        let world = try await S3PrefixHarness.withBucket()
        try await world.seeder.putObject(bucket: world.bucket, key: "previews/.prenv-environment.json", body: Data("not json".utf8))
        let error = await #expect(throws: ProviderError.self) {
            try await world.provider.apply(world.request(world.properties(prefix: "previews/feat/")))
        }
        #expect(Self.refusal(error).contains("lies inside s3://\(world.bucket)/previews/, whose marker is unreadable"))
        #expect(try await world.writes() == 0)
    }

    @Test func destroyingTheOuterPrefixKeepsEveryKeyUnderAnotherEnvironmentsMarker() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let properties = world.properties(prefix: "previews/feat/")
        let result = try await world.provider.apply(world.request(properties))
        // An overlap from before prenv checked for them: an inner environment's marker and data.
        let inner = S3PrefixHarness(env: "inner-env")
        try await world.seeder.putObject(bucket: world.bucket, key: "previews/feat/sub/.prenv-environment.json",
                                         body: S3PrefixMarker(tags: inner.context.tags).body)
        // A marker-named key that is not a prenv marker is plain data of the outer environment.
        try await world.put(["previews/feat/a.txt", "previews/feat/sub/b.txt", "previews/feat/sub/deep/c.txt",
                             "previews/feat/junk/.prenv-environment.json", "previews/feat/sub-2/d.txt"])
        try await world.destroy(world.record(properties, result))
        #expect(try await world.keys() == [
            "previews/feat/sub/.prenv-environment.json", "previews/feat/sub/b.txt", "previews/feat/sub/deep/c.txt",
        ])
        #expect(world.events.all.contains("keeping s3://\(world.bucket)/previews/feat/sub/: it belongs to environment inner-env"))
    }

    @Test func twoEnvironmentsRacingForOnePrefixNeverShareIt() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let contenders = (0..<4).map { S3PrefixHarness(env: "racer-\($0)") }
        let properties = world.properties()
        let outcomes = await withTaskGroup(of: (String, Result<ApplyResult, any Error>).self) { group in
            for contender in contenders {
                group.addTask {
                    do { return (contender.context.envName, .success(try await contender.provider.apply(contender.request(properties)))) }
                    catch { return (contender.context.envName, .failure(error)) }
                }
            }
            return await group.reduce(into: [String: Result<ApplyResult, any Error>]()) { $0[$1.0] = $1.1 }
        }
        let winners = outcomes.filter { if case .success = $0.value { true } else { false } }.map(\.key)
        #expect(winners.count == 1)
        let winner = try #require(winners.first)
        let marker = try await world.seeder.getObject(bucket: world.bucket, key: "site/pr-7/.prenv-environment.json")
        #expect(S3PrefixMarker(body: marker.body)?.environment == winner)
        for case (_, .failure(let error)) in outcomes {
            #expect((error as? ProviderError).map(String.init(describing:))?.contains("tagged for environment \(winner)") == true)
        }
    }
}
