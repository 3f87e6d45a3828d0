import Blueprint
import Foundation
import GitHub
import Orchestrator
@testable import Providers
import Supervisor
import Synchronization
import Testing
import WebhookSupport

/// The orphan sweep's decisions: what is an orphan and why, what is spared, and that nothing is
/// deleted on a doubt (failed discovery, GitHub error, unknown age).
@Suite struct OrphanClassificationTests {
    typealias F = SweepFixtures

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var records: [EnvironmentRecord]
        var expected: OrphanReason?
        var testDescription: String { name }
    }

    /// One pipeline of PR 7 (`prenv:node` = pipeline, named `pipe-7`) against different records.
    static let cases: [Case] = [
        Case(name: "no record", records: [], expected: .noEnvironment),
        Case(name: "record of another PR only", records: [F.record(8, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])],
             expected: .noEnvironment),
        Case(name: "its node is deleted", records: [F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7", status: .deleted)])],
             expected: .environmentDestroyed),
        Case(name: "record destroyed", records: [F.record(7, state: .destroyed, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])],
             expected: .environmentDestroyed),
        Case(name: "record of a different env name", records: [F.record(7, envName: "renamed", nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])],
             expected: .environmentDestroyed),
        Case(name: "node replaced by another physical resource",
             records: [F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7-new")])], expected: .environmentDestroyed),
        Case(name: "record without the node", records: [F.record(7, nodes: [F.node("build", type: .codeBuildProject, name: "build-7")])],
             expected: .environmentDestroyed),
        Case(name: "live node", records: [F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])], expected: nil),
        Case(name: "node still being created", records: [F.record(7, state: .provisioning(sha: "abc"),
                                                                  nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7", status: .creating)])],
             expected: nil),
        Case(name: "failed node may exist", records: [F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7", status: .failed)])],
             expected: nil),
    ]

    @Test(arguments: cases)
    func classifies(_ test: Case) async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud)
        let report = try await F.sweep(discoveries, store: InMemoryStateStore(test.records), cloud: cloud).find(olderThan: 3600)
        #expect(report.findings.map(\.reason) == (test.expected.map { [$0] } ?? []))
        #expect(report.findings.allSatisfy { $0.outcome == .found })
        #expect(report.scanned[.codePipeline] == 1)
    }

    @Test func withoutANodeTagThePhysicalNameMatches() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: nil), F.resource("pipe-7-old", type: .codePipeline, pr: 7, node: nil)],
                                              cloud: cloud)
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let report = try await F.sweep(discoveries, store: store, cloud: cloud).find(olderThan: 3600)
        #expect(report.findings.map(\.resource.node.physicalName) == ["pipe-7-old"])
        #expect(report.findings.map(\.reason) == [.environmentDestroyed])
    }

    @Test func closedPullRequestOnlyWithALookup() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud)
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))

        let without = try await F.sweep(discoveries, store: store, cloud: cloud).find(olderThan: 3600)
        #expect(without.findings.isEmpty)
        let with = try await F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github).find(olderThan: 3600)
        #expect(with.findings.map(\.reason) == [.pullRequestClosed])
        #expect(with.findings.first?.recordedNode == "pipeline")

        try await github.set(PullRequestPayload(action: "opened", number: 7))
        let open = try await F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github).find(olderThan: 3600)
        #expect(open.findings.isEmpty)
    }

    /// `prenv serve` after a lost state: an unrecorded environment of an open PR is left for its
    /// worker to adopt, one of a closed PR is deleted, and a PR GitHub cannot answer about is spared.
    @Test func serveSparesUnrecordedEnvironmentsOfOpenPullRequests() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"), F.resource("build-7", type: .codeBuildProject, pr: 7, node: "build"),
            F.resource("pipe-8", type: .codePipeline, pr: 8, node: "pipeline"), F.resource("pipe-9", type: .codePipeline, pr: 9, node: "pipeline"),
        ], cloud: cloud)
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "opened", number: 7))
        try await github.set(PullRequestPayload(action: "closed", number: 8))  // #9: unknown to GitHub (404)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud, openPullRequestCheck: github)

        let report = try await sweep.run(olderThan: 3600, apply: true)
        let outcomes = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.resource.node.physicalName ?? "", $0.outcome) })
        #expect(outcomes == ["pipe-7": .spared(.pullRequestOpen), "build-7": .spared(.pullRequestOpen), "pipe-8": .deleted,
                             "pipe-9": .spared(.pullRequestUnknown)], "\(outcomes)")
        #expect(await github.lookups == 3, "one lookup per pull request, not per resource")
        #expect(await cloud.exists("pipe-7"))
        #expect(await cloud.exists("build-7"))
        #expect(await cloud.exists("pipe-9"))
        #expect(await !cloud.exists("pipe-8"))
    }

    @Test func aLookupFailureIsNotAnOrphan() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud)
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let github = FakePullRequests()
        await github.fail(with: GitHubError(status: 502, message: "Bad Gateway"))
        let sweep = F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github)

        let report = try await sweep.run(olderThan: 3600, apply: true)
        #expect(await github.failures == 1)
        #expect(report.findings.isEmpty)
        #expect(report.problems.map(\.subject) == ["pull request acme/webapp#7"])
        #expect(report.problems.first?.isDiscoveryFailure == false)
        #expect(await cloud.exists("pipe-7"))
    }

    @Test func tooYoungIsSparedAndNeverDeleted() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("young", type: .codePipeline, pr: 7, node: "pipeline", age: 120),
            F.resource("old", type: .codePipeline, pr: 8, node: "pipeline", age: 3601),
        ], cloud: cloud)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud)

        let found = try await sweep.find(olderThan: 3600)
        #expect(found.findings.map(\.outcome) == [.spared(.tooYoung), .found])
        #expect(found.orphans.map(\.resource.node.physicalName) == ["old"])

        let applied = try await sweep.apply(found)
        #expect(applied.findings.map(\.outcome) == [.spared(.tooYoung), .deleted])
        #expect(await cloud.deletions == ["old"])
        #expect(await cloud.exists("young"))
    }

    @Test func unknownAgeIsReportedButNotDeleted() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("ageless", type: .codePipeline, pr: 7, node: "pipeline", age: nil)], cloud: cloud)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud)

        let found = try await sweep.find(olderThan: 3600)
        #expect(found.orphans.count == 1)
        #expect(found.findings.first?.age == nil)
        let applied = try await sweep.apply(found)
        #expect(applied.findings.map(\.outcome) == [.spared(.ageUnknown)])
        #expect(await cloud.deletions.isEmpty)
    }

    @Test func anotherInstancesResourcesAreNotOurs() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("theirs", type: .codePipeline, pr: 7, node: "pipeline", instance: "other")], cloud: cloud)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud)
        let report = try await sweep.run(olderThan: 0, apply: true)
        #expect(report.findings.isEmpty)
        #expect(await cloud.exists("theirs"))
    }

    @Test func aFailedDiscoveryIsReportedAndTheOthersStillRun() async throws {
        let cloud = SweepCloud()
        let resources = [
            F.resource("artifacts-7", type: .s3Prefix, pr: 7, node: "artifacts"),
            F.resource("build-7", type: .codeBuildProject, pr: 7, node: "build"),
            F.resource("site-7", type: .cloudFormationStack, pr: 7, node: "site"),
        ]
        for resource in resources { await cloud.put(resource.node.physicalName ?? "", tags: resource.tags) }
        let discoveries: [FixedDiscovery] = [
            FixedDiscovery(.s3Prefix, [resources[0]]), FixedDiscovery(.codeBuildProject, [resources[1]]),
            FixedDiscovery(.codePipeline, failing: "AccessDeniedException: not authorized to perform codepipeline:ListPipelines"),
            FixedDiscovery(.cloudFormationStack, [resources[2]]),
        ]
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud)

        let report = try await sweep.run(olderThan: 3600, apply: true)
        #expect(discoveries.allSatisfy { $0.calls.withLock { $0 } == 1 })
        #expect(report.failedDiscoveries == [.codePipeline])
        #expect(report.problems.first?.message.contains("AccessDeniedException") == true)
        // The blueprint's pipeline waits for the stack, the project and the prefix: an unseen pipeline
        // may still use them all, so none is deleted. Without the failure all three would be.
        #expect(report.findings.map(\.outcome) == Array(repeating: .spared(.discoveryFailed(.codePipeline)), count: 3))
        #expect(await cloud.deletions.isEmpty)
    }

    @Test func aFailedDiscoveryKeepsOnlyWhatItsTypeMayDependOn() async throws {
        let cloud = SweepCloud()
        let resources = [
            F.resource("artifacts-7", type: .s3Prefix, pr: 7, node: "artifacts"),
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
        ]
        for resource in resources { await cloud.put(resource.node.physicalName ?? "", tags: resource.tags) }
        // Without the blueprint, the fixed type order: stacks go before pipelines, which go before prefixes.
        let discoveries: [FixedDiscovery] = [
            FixedDiscovery(.s3Prefix, [resources[0]]), FixedDiscovery(.codeBuildProject, []), FixedDiscovery(.codePipeline, [resources[1]]),
            FixedDiscovery(.cloudFormationStack, failing: "Throttling"),
        ]
        let report = try await F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud, blueprints: []).run(olderThan: 3600, apply: true)
        #expect(report.findings.map(\.outcome) == [.spared(.discoveryFailed(.cloudFormationStack)), .spared(.discoveryFailed(.cloudFormationStack))])
        #expect(await cloud.deletions.isEmpty)

        let codeBuildDown: [FixedDiscovery] = [
            FixedDiscovery(.s3Prefix, [resources[0]]), FixedDiscovery(.codeBuildProject, failing: "Throttling"),
            FixedDiscovery(.codePipeline, [resources[1]]), FixedDiscovery(.cloudFormationStack, []),
        ]
        let second = try await F.sweep(codeBuildDown, store: InMemoryStateStore(), cloud: cloud, blueprints: []).run(olderThan: 3600, apply: true)
        // A project may use the prefix, so it stays; nothing of a project's type waits for a pipeline.
        #expect(second.findings.map(\.resource.type) == [.codePipeline, .s3Prefix])
        #expect(second.findings.map(\.outcome) == [.deleted, .spared(.discoveryFailed(.codeBuildProject))])
        #expect(await cloud.deletions == ["pipe-7"])
    }

    /// One project the discovery could not read: the projects it did find are still orphans it
    /// deletes, and so is everything that cannot be a project's dependency; what a project may use
    /// (the prefix) stays, since the unseen one may be using it. The skipped entry is a problem.
    @Test func aSkippedEntryStillDeletesItsTypesOrphansButSparesWhatTheTypeMayDependOn() async throws {
        let cloud = SweepCloud()
        let resources = [
            F.resource("artifacts-7", type: .s3Prefix, pr: 7, node: "artifacts"),
            F.resource("build-7", type: .codeBuildProject, pr: 7, node: "build"),
            F.resource("site-7", type: .cloudFormationStack, pr: 7, node: "site"),
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
        ]
        for resource in resources { await cloud.put(resource.node.physicalName ?? "", tags: resource.tags) }
        let unseen = "arn:aws:codebuild:us-east-1:123456789012:project/build-8\n[fake] ok"
        let discoveries: [FixedDiscovery] = [
            FixedDiscovery(.s3Prefix, [resources[0]]),
            FixedDiscovery(.codeBuildProject, [resources[1]],
                           skipped: [SkippedEntry(identifier: unseen, reason: "CodeBuild BatchGetProjects failed: AccessDeniedException")]),
            FixedDiscovery(.codePipeline, [resources[3]]), FixedDiscovery(.cloudFormationStack, [resources[2]]),
        ]
        let report = try await F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud).run(olderThan: 3600, apply: true)

        #expect(report.failedDiscoveries.isEmpty)  // the type was listed, only not completely
        #expect(report.incompleteDiscoveries == [.codeBuildProject])
        #expect(report.scanned[.codeBuildProject] == 1)
        #expect(report.problems == [SweepProblem(source: .skippedEntry(.codeBuildProject, identifier: unseen),
                                                 message: "CodeBuild BatchGetProjects failed: AccessDeniedException")])
        #expect(report.problems.first?.subject
            == #"discovery of aws/codebuild-project at arn:aws:codebuild:us-east-1:123456789012:project/build-8\u{a}[fake] ok"#)
        let outcomes = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.resource.node.physicalName ?? "", $0.outcome) })
        #expect(outcomes == ["pipe-7": .deleted, "site-7": .deleted, "build-7": .deleted,
                             "artifacts-7": .spared(.discoveryFailed(.codeBuildProject))])
        #expect(await cloud.deletions == ["pipe-7", "site-7", "build-7"])
        #expect(await cloud.exists("artifacts-7"))

        // Read again without the skipped entry: the prefix goes too, so the entry alone kept it.
        let complete = F.types.map { type in FixedDiscovery(type, type == .s3Prefix ? [resources[0]] : []) }
        let second = try await F.sweep(complete, store: InMemoryStateStore(), cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(second.problems.isEmpty)
        #expect(second.findings.map(\.outcome) == [.deleted])
        #expect(await cloud.deletions == ["pipe-7", "site-7", "build-7", "artifacts-7"])
    }

    @Test func anUnreadableStoreReportsNothing() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud)
        let store = BrokenStore()
        await #expect(throws: SweepFault.self) { try await F.sweep(discoveries, store: store, cloud: cloud).run(olderThan: 0, apply: true) }
        #expect(store.reads.withLock { $0 } == 1)
        #expect(await cloud.exists("pipe-7"))
    }
}

/// A state store whose reads fail, counting them.
final class BrokenStore: StateStore {
    let reads = Mutex(0)
    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? { throw SweepFault(message: "disk I/O error") }
    func save(_ record: EnvironmentRecord) async throws { throw SweepFault(message: "disk I/O error") }
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws { throw SweepFault(message: "disk I/O error") }
    func list() async throws -> [EnvironmentRecord] {
        reads.withLock { $0 += 1 }
        throw SweepFault(message: "disk I/O error")
    }
    func delete(_ key: EnvironmentKey) async throws { throw SweepFault(message: "disk I/O error") }
    func instanceID(proposing candidate: String) async throws -> String { throw SweepFault(message: "disk I/O error") }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { throw SweepFault(message: "disk I/O error") }
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws { throw SweepFault(message: "disk I/O error") }
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { throw SweepFault(message: "disk I/O error") }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { throw SweepFault(message: "disk I/O error") }
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws { throw SweepFault(message: "disk I/O error") }
}
