import Blueprint
import Foundation
import GitHub
import LogCapture
import Orchestrator
import Supervisor
import Synchronization
import Testing
import WebhookSupport

/// `apply`: record-less orphans deleted dependents first (blueprint order through `prenv:node`, or
/// the fixed type order), PR-closed environments torn down from their record, failures reported.
@Suite struct OrphanSweepApplyTests {
    typealias F = SweepFixtures

    /// PR 7's four resources, as the blueprint names them.
    static func environment7(nodeTags: Bool = true) -> [DiscoveredResource] {
        [
            F.resource("artifacts-7", type: .s3Prefix, pr: 7, node: nodeTags ? "artifacts" : nil),
            F.resource("build-7", type: .codeBuildProject, pr: 7, node: nodeTags ? "build" : nil),
            F.resource("site-7", type: .cloudFormationStack, pr: 7, node: nodeTags ? "site" : nil),
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: nodeTags ? "pipeline" : nil),
        ]
    }

    @Test func blueprintOrderDeletesDependentsFirst() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries(Self.environment7(), cloud: cloud)
        let store = InMemoryStateStore()
        let report = try await F.sweep(discoveries, store: store, cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(report.findings.count == 4)
        #expect(report.findings.allSatisfy { $0.outcome == .deleted && $0.reason == .noEnvironment })
        // pipeline → site → build → artifacts: the blueprint's reverse dependency order.
        #expect(await cloud.deletions == ["pipe-7", "site-7", "build-7", "artifacts-7"])
        #expect(try await store.list().isEmpty)  // the real store is not touched
    }

    @Test func aMissingMiddleResourceStillOrdersTheEnds() async throws {
        let cloud = SweepCloud()
        let resources = Self.environment7().filter { $0.node.physicalName != "site-7" && $0.node.physicalName != "build-7" }
        let discoveries = await F.discoveries(resources, cloud: cloud)
        _ = try await F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(await cloud.deletions == ["pipe-7", "artifacts-7"])
    }

    @Test(arguments: [false, true])
    func withoutBlueprintOrNodeTagsTheTypeOrder(blueprintLoaded: Bool) async throws {
        let cloud = SweepCloud()
        // Without node tags the blueprint cannot place them; without the blueprint nothing can.
        let discoveries = await F.discoveries(Self.environment7(nodeTags: blueprintLoaded ? false : true), cloud: cloud)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud, blueprints: blueprintLoaded ? [F.blueprint] : [])
        let report = try await sweep.run(olderThan: 3600, apply: true)
        #expect(report.findings.allSatisfy { $0.outcome == .deleted })
        // stacks, pipelines, projects, prefixes: `ProviderKind.all` backwards.
        #expect(await cloud.deletions == ["site-7", "pipe-7", "build-7", "artifacts-7"])
    }

    @Test func aFailedDeleteKeepsWhatItDependsOnAndSaysWhy() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries(Self.environment7(), cloud: cloud)
        await cloud.failDelete(of: "site-7", with: "DELETE_FAILED: role arn:aws:iam::123456789012:role/x cannot be assumed")
        let report = try await F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(await cloud.failuresFired == 1)
        let outcomes = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.resource.node.physicalName ?? "", $0.outcome) })
        #expect(outcomes["pipe-7"] == .deleted)
        #expect(outcomes["site-7"] == .failed("DELETE_FAILED: role arn:aws:iam::123456789012:role/x cannot be assumed"))
        #expect(outcomes["build-7"] == .spared(.dependentKept(["site"])))
        #expect(outcomes["artifacts-7"] == .spared(.dependentKept(["site"])))
        #expect(await cloud.deletions == ["pipe-7"])
    }

    @Test func ownershipChecksStillApply() async throws {
        let cloud = SweepCloud()
        let resource = F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")
        let discoveries = await F.discoveries([resource], cloud: cloud)
        // Between the scan and the delete the pipeline was re-tagged for another environment.
        await cloud.put("pipe-7", tags: resource.tags.merging([PrenvTag.environment: "someone-else"]) { $1 })
        let report = try await F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(report.findings.map(\.outcome) == [.failed("pipe-7 is tagged for another environment")])
        #expect(await cloud.exists("pipe-7"))
    }

    @Test func environmentsWithDifferentEnvNamesAreDeletedAsTheirOwn() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
            F.resource("pipe-7-old", type: .codePipeline, pr: 7, node: "pipeline", envName: "webapp-old-pr7"),
        ], cloud: cloud)
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let report = try await F.sweep(discoveries, store: store, cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(report.findings.map(\.reason) == [.environmentDestroyed])
        #expect(report.findings.map(\.outcome) == [.deleted])
        #expect(await cloud.deletions == ["pipe-7-old"])
        #expect(try await store.load(F.key(7))?.nodes["pipeline"]?.status == .created)  // the live record is untouched
    }

    @Test func closedPullRequestIsTornDownFromItsRecord() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
            F.resource("artifacts-7", type: .s3Prefix, pr: 7, node: "artifacts"),
        ], cloud: cloud)
        // The record also holds a project the scan did not report: the teardown removes it too.
        await cloud.put("build-7", tags: F.resource("build-7", type: .codeBuildProject, pr: 7, node: "build").tags)
        var build = F.node("build", type: .codeBuildProject, name: "build-7")
        build.dependencies = ["artifacts"]
        var pipeline = F.node("pipeline", type: .codePipeline, name: "pipe-7")
        pipeline.dependencies = ["build", "artifacts"]
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("artifacts", type: .s3Prefix, name: "artifacts-7"), build, pipeline])])
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))

        let report = try await F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github).run(olderThan: 3600, apply: true)
        #expect(report.findings.map(\.reason) == [.pullRequestClosed, .pullRequestClosed])
        #expect(report.findings.allSatisfy { $0.outcome == .deleted })
        #expect(await cloud.deletions == ["pipe-7", "build-7", "artifacts-7"])
        #expect(try await store.load(F.key(7)) == nil)  // as after a teardown
    }

    @Test func exclusionsSpareWithTheirReason() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
            F.resource("pipe-8", type: .codePipeline, pr: 8, node: "pipeline"),
        ], cloud: cloud)
        let sweep = F.sweep(discoveries, store: InMemoryStateStore(), cloud: cloud)
        let found = try await sweep.find(olderThan: 3600)
        let report = try await sweep.apply(found) { $0.environment.key?.pr == 7 ? .busy : nil }
        #expect(report.findings.map(\.outcome) == [.spared(.busy), .deleted])
        #expect(await cloud.deletions == ["pipe-8"])
        #expect(report.remaining == 1)
    }
}

/// "May I delete?" is asked per environment right before its deletion: a stack takes minutes to
/// delete, and meanwhile a worker can start on another environment and adopt what the scan saw.
@Suite struct OrphanSweepLateDecisionTests {
    typealias F = SweepFixtures

    static func twoEnvironments(cloud: SweepCloud) async -> [any ResourceDiscovery] {
        await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
            F.resource("pipe-8", type: .codePipeline, pr: 8, node: "pipeline"),
        ], cloud: cloud)
    }

    @Test func anExclusionThatTurnsBusyAfterTheFirstGroupSparesTheSecond() async throws {
        let cloud = SweepCloud()
        let sweep = F.sweep(await Self.twoEnvironments(cloud: cloud), store: InMemoryStateStore(), cloud: cloud)
        let found = try await sweep.find(olderThan: 3600)
        let asked = Asked()
        // Busy once something was deleted: PR 8 got a worker while PR 7's resources went.
        let report = try await sweep.apply(found) { finding in
            await asked.add(finding.environment.key?.pr ?? 0)
            return await cloud.deletions.isEmpty ? nil : .busy
        }
        #expect(await asked.prs == [7, 8])
        #expect(report.findings.map(\.outcome) == [.deleted, .spared(.busy)])
        #expect(await cloud.deletions == ["pipe-7"])
        #expect(await cloud.exists("pipe-8"))
    }

    /// A record that appears after the scan spares its environment, whether or not it already holds
    /// the resource: a worker that just started writes its record before it adopts anything.
    @Test(arguments: [false, true])
    func aRecordThatAppearsAfterTheScanSparesItsEnvironment(holdingTheResource: Bool) async throws {
        let cloud = SweepCloud()
        let store = InMemoryStateStore()
        let sweep = F.sweep(await Self.twoEnvironments(cloud: cloud), store: store, cloud: cloud)
        let found = try await sweep.find(olderThan: 3600)
        #expect(found.findings.map(\.reason) == [.noEnvironment, .noEnvironment])
        let nodes = holdingTheResource ? [F.node("pipeline", type: .codePipeline, name: "pipe-8")] : []
        let report = try await sweep.apply(found) { finding in
            // Called right before PR 8's group is destroyed: its worker writes a record now.
            if finding.environment.key?.pr == 8 { try? await store.save(F.record(8, state: .provisioning(sha: "abc"), nodes: nodes)) }
            return nil
        }
        #expect(report.findings.map(\.outcome) == [.deleted, .spared(.recordChanged)])
        #expect(await cloud.deletions == ["pipe-7"])
    }

    @Test func aRecordThatChangedAfterTheScanSparesItsEnvironment() async throws {
        let cloud = SweepCloud()
        // PR 7's record is of another `env.name`: its pipeline is an orphan of a destroyed environment.
        let store = InMemoryStateStore([F.record(7, envName: "webapp-new-pr7", nodes: [])])
        let sweep = F.sweep(await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud),
                            store: store, cloud: cloud)
        let found = try await sweep.find(olderThan: 3600)
        #expect(found.findings.map(\.reason) == [.environmentDestroyed])
        // A synchronize restarts the environment under the old name before the delete.
        try await store.save(F.record(7, state: .provisioning(sha: "def"), nodes: []))
        let report = try await sweep.apply(found)
        #expect(report.findings.map(\.outcome) == [.spared(.recordChanged)])
        #expect(await cloud.deletions.isEmpty)
    }

    @Test func anUnchangedRecordStillLetsItsOrphansGo() async throws {
        let cloud = SweepCloud()
        let store = InMemoryStateStore([F.record(7, envName: "webapp-new-pr7", nodes: [])])
        let sweep = F.sweep(await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud),
                            store: store, cloud: cloud)
        let report = try await sweep.apply(try await sweep.find(olderThan: 3600))
        #expect(report.findings.map(\.outcome) == [.deleted])
        #expect(await cloud.deletions == ["pipe-7"])
    }

    /// A closed PR's teardown removes its record; an orphan of the same PR under an older `env.name`
    /// was judged against that record too, and is deleted first rather than spared as "changed".
    @Test func aClosedPullRequestsOwnTeardownDoesNotSpareItsOtherOrphans() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),
            F.resource("pipe-7-old", type: .codePipeline, pr: 7, node: "pipeline", envName: "webapp-zzz-pr7"),  // sorts after the live env.name
        ], cloud: cloud)
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))
        let report = try await F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github).run(olderThan: 3600, apply: true)
        #expect(Set(report.findings.map(\.reason)) == [.pullRequestClosed, .environmentDestroyed])
        #expect(report.findings.allSatisfy { $0.outcome == .deleted }, "\(report.findings.map(\.outcome))")
        #expect(await cloud.deletions == ["pipe-7-old", "pipe-7"])
        #expect(try await store.load(F.key(7)) == nil)
    }

    /// A cancelled sweep is not a failed delete: the cancellation comes out as it went in.
    @Test func cancellationDuringADeletePassesThrough() async throws {
        let cloud = SweepCloud()
        let gate = CancelGate()
        let sweep = OrphanSweep(
            discoveries: await Self.twoEnvironments(cloud: cloud), store: InMemoryStateStore(), blueprints: [F.blueprint],
            instance: F.instance, pullRequests: nil, providers: [StallingProvider(type: .codePipeline, gate: gate)],
            dependencyOrder: F.types, maxConcurrency: 1, now: { F.now })
        let found = try await sweep.find(olderThan: 3600)
        let task = Task { try await sweep.apply(found) }
        try #require(await gate.waitUntilEntered())
        task.cancel()
        let outcome = await task.result
        #expect(throws: CancellationError.self) { try outcome.get() }
    }

    /// A store read that ends in `CancellationError` (a store shutting down under its caller) is
    /// thrown, not reported as a failed deletion.
    @Test func aCancelledRecordReadPassesThrough() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline")], cloud: cloud)
        let store = LoadCancellingStore(InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])]))
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))
        let sweep = F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github)
        let found = try await sweep.find(olderThan: 3600)
        #expect(found.findings.map(\.reason) == [.pullRequestClosed])
        await #expect(throws: CancellationError.self) { try await sweep.apply(found) }
        #expect(store.loads.withLock { $0 } >= 1)  // the fault fired
        #expect(await cloud.exists("pipe-7"))
    }
}

/// A store whose `load` throws `CancellationError` (its `list` works), counting the loads.
final class LoadCancellingStore: StateStore {
    let inner: InMemoryStateStore
    let loads = Mutex(0)

    init(_ inner: InMemoryStateStore) { self.inner = inner }

    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? {
        loads.withLock { $0 += 1 }
        throw CancellationError()
    }
    func save(_ record: EnvironmentRecord) async throws { await inner.save(record) }
    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws { try await inner.saveNode(key, node) }
    func list() async throws -> [EnvironmentRecord] { await inner.list() }
    func delete(_ key: EnvironmentKey) async throws { await inner.delete(key) }
    func instanceID(proposing candidate: String) async throws -> String { await inner.instanceID(proposing: candidate) }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { await inner.deployment(key, sha: sha) }
    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws { await inner.saveDeployment(key, deployment) }
    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { await inner.latestDeployment(key) }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { await inner.prComment(key) }
    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws { await inner.savePRComment(key, comment) }
}

/// Which environments an exclusion was asked about, in order.
actor Asked {
    private(set) var prs: [Int] = []
    func add(_ pr: Int) { prs.append(pr) }
}

/// Lets a test wait until a provider's delete has started.
actor CancelGate {
    private var entered = false
    func enter() { entered = true }
    /// True once entered; false after about 30 s (the test then fails).
    func waitUntilEntered() async -> Bool {
        for _ in 0..<3000 {
            if entered { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }
}

/// A provider whose delete waits until cancelled, then throws the `CancellationError`, as a
/// provider polling a stack's deletion does.
struct StallingProvider: ResourceProvider {
    let type: ResourceType
    let gate: CancelGate

    func apply(_ request: ApplyRequest) async throws -> ApplyResult { throw SweepFault(message: "the sweep never applies") }

    func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
        await gate.enter()
        try await Task.sleep(for: .seconds(600))
    }
}

/// `prenv serve`'s sweep: PR-closed environments and busy ones are left alone, each deletion and
/// failure is logged with hostile values escaped, and the latest report is kept.
@Suite struct OrphanSweeperTests {
    typealias F = SweepFixtures

    @Test func skipsClosedAndBusyDeletesTheRestAndLogs() async throws {
        let cloud = SweepCloud()
        let hostile = "feature/\u{1B}[2Jx\ninfo forged line"
        let discoveries = await F.discoveries([
            F.resource("pipe-7", type: .codePipeline, pr: 7, node: "pipeline"),  // recorded, PR closed
            F.resource("pipe-8", type: .codePipeline, pr: 8, node: "pipeline"),  // busy
            F.resource("pipe-9", type: .codePipeline, pr: 9, node: "pipeline", envName: hostile),
            F.resource("site-10", type: .cloudFormationStack, pr: 10, node: "site"),
        ], cloud: cloud)
        await cloud.failDelete(of: "site-10", with: "AccessDenied")
        let store = InMemoryStateStore([F.record(7, nodes: [F.node("pipeline", type: .codePipeline, name: "pipe-7")])])
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))
        let logs = CapturedLogs()
        let sweeper = OrphanSweeper(sweep: F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github),
                                    isBusy: { $0.pr == 8 }, logger: logs.logger(label: "prenv.gc"))
        #expect(await sweeper.latest == nil)

        let report = try #require(await sweeper.sweepOnce(olderThan: 3600))
        let outcomes = Dictionary(uniqueKeysWithValues: report.findings.map { ($0.resource.node.physicalName ?? "", $0.outcome) })
        #expect(outcomes["pipe-7"] == .spared(.leftToPullRequestCheck))
        #expect(outcomes["pipe-8"] == .spared(.busy))
        #expect(outcomes["pipe-9"] == .deleted)
        #expect(outcomes["site-10"] == .failed("AccessDenied"))
        #expect(await cloud.deletions == ["pipe-9"])
        #expect(await sweeper.latest?.sweptAt == F.now)

        let lines = logs.all
        #expect(lines.filter { $0.hasPrefix("info deleted orphaned resource") }.count == 1)
        #expect(lines.contains { $0.hasPrefix("info deleted orphaned resource") && $0.contains("pipe-9") && $0.contains("no-environment") })
        #expect(lines.contains { $0.hasPrefix("warning could not delete orphaned resource") && $0.contains("site-10") && $0.contains("AccessDenied") })
        #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\u{1B}") })
        #expect(lines.contains { $0.contains(#"feature/\u{1b}[2Jx\u{a}info forged line"#) })
    }

    @Test func anUnreadableStoreDeletesNothingAndSaysSo() async throws {
        let cloud = SweepCloud()
        let discoveries = await F.discoveries([F.resource("pipe-9", type: .codePipeline, pr: 9, node: "pipeline")], cloud: cloud)
        let logs = CapturedLogs()
        let sweeper = OrphanSweeper(sweep: F.sweep(discoveries, store: BrokenStore(), cloud: cloud), isBusy: { _ in false },
                                    logger: logs.logger(label: "prenv.gc"))
        #expect(await sweeper.sweepOnce(olderThan: 3600) == nil)
        #expect(await sweeper.latestError == "cannot read the state store")
        #expect(logs.all.contains { $0.hasPrefix("error orphan sweep could not read the state store") })
        #expect(await cloud.exists("pipe-9"))
    }
}

/// What the serve sweep asks the supervisor: whether an environment's worker is busy.
@Suite struct RunningOperationTests {
    @Test func busyWhileAnOperationRunsAndNotOnceItEnds() async throws {
        let h = try SupervisorHarness()
        #expect(await h.supervisor.hasRunningOperation(SupervisorFixtures.key) == false)  // no worker at all
        try await h.deliver(SupervisorFixtures.event("opened", sha: SupervisorFixtures.shaA, at: 0))
        try #require(await h.calls(1))
        #expect(await h.supervisor.hasRunningOperation(SupervisorFixtures.key))
        let other = EnvironmentKey(repository: "acme/webapp", pr: 8, blueprint: SupervisorFixtures.key.blueprint)
        #expect(await h.supervisor.hasRunningOperation(other) == false)
        await h.operations.complete(0, .success)
        try #require(await h.quiet())
        #expect(await h.supervisor.hasRunningOperation(SupervisorFixtures.key) == false)
    }

    /// An open PR's worker wants its environment even when idle (it adopts what a lost state left);
    /// once the PR is closed and torn down, what remains is the sweep's.
    @Test func anOpenPullRequestsWorkerTakesCareOfItsEnvironmentUntilItCloses() async throws {
        let h = try SupervisorHarness()
        #expect(await h.supervisor.isTakingCareOf(SupervisorFixtures.key) == false)  // no worker at all
        try await h.deliver(SupervisorFixtures.event("opened", sha: SupervisorFixtures.shaA, at: 0))
        try #require(await h.calls(1))
        await h.operations.complete(0, .success)
        try #require(await h.quiet())
        #expect(await h.supervisor.hasRunningOperation(SupervisorFixtures.key) == false)
        #expect(await h.supervisor.isTakingCareOf(SupervisorFixtures.key))
        try await h.deliver(SupervisorFixtures.event("closed", sha: SupervisorFixtures.shaA, at: 1))
        try #require(await h.calls(2))
        #expect(await h.supervisor.isTakingCareOf(SupervisorFixtures.key))  // its teardown runs
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        #expect(await h.supervisor.isTakingCareOf(SupervisorFixtures.key) == false)
    }
}
