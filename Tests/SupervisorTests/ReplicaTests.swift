import Foundation
import GitHub
import Orchestrator
import Synchronization
import Supervisor
import Testing
import WebhookSupport

/// Several supervisors as replicas of `prenv serve` over one set of stores (issue 13): each PR's
/// work is done by one replica at a time under a lease, writes under a stale lease are refused,
/// a dead or paused replica's PRs are resumed by another, and only the leader runs the singletons.
@Suite struct ReplicaTests {
    typealias F = SupervisorFixtures

    static func pullRequest(_ number: Int, at seconds: Int = 0, sha: String = F.shaA, action: String = "opened") -> PullRequestPayload {
        PullRequestPayload(action: action, repository: "acme/webapp", number: number, headSHA: sha, baseRef: "main",
                           updatedAt: WebhookFixtures.timestamp(seconds))
    }

    static func key(_ number: Int) -> EnvironmentKey { EnvironmentKey(repository: "acme/webapp", pr: number, blueprint: "preview") }

    @Test func anEventRecordedByOneReplicaIsProcessedOnceByOneReplica() async throws {
        let cluster = try ReplicaCluster(replicas: 3)
        cluster.runLoops()
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("the apply to start") { await cluster.operations.count >= 1 })
        await cluster.operations.complete(0, .success)
        try #require(await cluster.quiet())
        await cluster.stopLoops()

        #expect(await cluster.operations.operations == [.apply(sha: F.shaA)])
        #expect(await cluster.holders(of: F.prKey).count == 1, "an open PR stays with one replica")
        #expect(await cluster.savedPhase() == .ready(sha: F.shaA))
        var posting: [String] = []
        for replica in cluster.replicas where await !replica.posted.isEmpty { posting.append(replica.name) }
        #expect(posting == (await cluster.holders(of: F.prKey)), "only the holder speaks for the PR")
        #expect(await cluster.fences.unfenced.isEmpty)
        #expect(await cluster.fences.refused.isEmpty)
    }

    @Test func tenPullRequestsOverThreeReplicasRunEachOperationOnce() async throws {
        let cluster = try ReplicaCluster(replicas: 3)
        cluster.runLoops()
        for number in 1...10 { try await cluster.replicas[number % 3].receive(Self.pullRequest(number)) }
        try #require(await eventually("ten applies to start") { await cluster.operations.count >= 10 })
        for index in 0..<10 { await cluster.operations.complete(index, .success) }
        try #require(await cluster.quiet())
        await cluster.stopLoops()

        let applied = await (0..<cluster.operations.count).asyncMap { await cluster.operations.call($0)?.key.pr }
        #expect(applied.compactMap { $0 }.sorted() == Array(1...10), "each PR applied exactly once")
        var held: [String: Int] = [:]
        for number in 1...10 {
            let holders = await cluster.holders(of: "acme/webapp#\(number)")
            #expect(holders.count == 1, "PR \(number) held by \(holders)")
            for name in holders { held[name, default: 0] += 1 }
            #expect(await cluster.savedPhase(Self.key(number)) == .ready(sha: F.shaA))
        }
        #expect(held.values.reduce(0, +) == 10)
        #expect(await cluster.fences.unfenced.isEmpty)
    }

    @Test func aDeadReplicasApplyIsResumedByAnotherAfterTheLeaseExpires() async throws {
        let cluster = try ReplicaCluster(replicas: 2)
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("A's apply to start") { await cluster.operations.count >= 1 })
        #expect(await cluster.holders(of: F.prKey) == ["A"])

        await cluster.a.supervisor.stop()  // dies: no hand-over
        #expect(await eventually("A's run cancelled") { await cluster.operations.call(0)?.sawCancellation == true })

        await cluster.b.supervisor.claimUnownedWork()
        #expect(await cluster.b.supervisor.heldPullRequests.isEmpty, "A's lease has not expired yet")
        #expect(await cluster.operations.count == 1)

        cluster.expireLeases()
        await cluster.b.supervisor.claimUnownedWork()
        #expect(await cluster.b.supervisor.heldPullRequests == [F.prKey])
        try #require(await eventually("B to resume the apply") { await cluster.operations.count >= 2 })
        let resumed = try #require(await cluster.operations.call(1))
        #expect(resumed.operation == .apply(sha: F.shaA))
        #expect(resumed.key == F.key)
        await cluster.operations.complete(1, .success)
        try #require(await eventually("B to finish the apply") { await cluster.savedPhase() == .ready(sha: F.shaA) })
        #expect(await eventually("B's success status") {
            await cluster.b.posted.contains { $0.status.context == F.context && $0.status.state == .success }
        })
        #expect(await cluster.fences.unfenced.isEmpty)
    }

    @Test func aPausedReplicaLosesThePullRequestAndPostsNothingAfterTheTakeOver() async throws {
        let cluster = try ReplicaCluster(replicas: 2)
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("A's apply to start") { await cluster.operations.count >= 1 })
        try #require(await eventually("A's pending statuses sent") { await cluster.a.caughtUp })
        let postedBeforePause = await cluster.a.posted.count
        #expect(postedBeforePause > 0)

        // SIGSTOP for 31 s: the database's leases expire and A's own clock is past its deadline.
        cluster.a.clock.pause(for: ReplicaCluster.leaseDuration + .seconds(1))
        cluster.expireLeases()
        await cluster.b.supervisor.claimUnownedWork()
        #expect(await cluster.holders(of: F.prKey).contains("B"))
        try #require(await eventually("B to resume the apply") { await cluster.operations.count >= 2 })

        // A wakes: its apply ends and it tries to tell it (statuses, save); a renewal too.
        await cluster.operations.complete(0, .success)
        await cluster.a.supervisor.renewLeases()
        try #require(await eventually("A to drop the PR") { await cluster.a.supervisor.isIdle })
        #expect(await cluster.a.supervisor.heldPullRequests.isEmpty)

        await cluster.operations.complete(1, .success)
        try #require(await eventually("B to finish") { await cluster.savedPhase() == .ready(sha: F.shaA) })
        try #require(await eventually("B's statuses sent") { await cluster.b.caughtUp })
        // Whatever A asked for after it woke has been sent or dropped: only then is the count final.
        try #require(await eventually("A's reporter caught up") { await cluster.a.caughtUp })
        let postedByA = await cluster.a.posted
        #expect(postedByA.count == postedBeforePause, "A posted nothing after the take-over: \(postedByA)")
        #expect(await eventually("B's success status") {
            await cluster.b.posted.contains { $0.status.context == F.context && $0.status.state == .success }
        })
        #expect(await cluster.fences.unfenced.isEmpty)
    }

    @Test func aWriteUnderAStaleTokenIsRefusedAndTheReplicaDropsThePullRequest() async throws {
        let cluster = try ReplicaCluster(replicas: 2)
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("A's apply to start") { await cluster.operations.count >= 1 })
        try #require(await eventually("A's pending statuses sent") { await cluster.a.caughtUp })
        let postedBefore = await cluster.a.posted.count

        // The database's leases expire while A's clock says it still holds its own (the store,
        // not A, is the last word): B takes the PR over.
        cluster.expireLeases()
        await cluster.b.supervisor.claimUnownedWork()
        #expect(await cluster.holders(of: F.prKey).sorted() == ["A", "B"], "A has not noticed yet")
        try #require(await eventually("B to resume the apply") { await cluster.operations.count >= 2 })

        // A push recorded and handed to A alone: A's save under its old token is refused.
        try await cluster.append(F.event("synchronize", sha: F.shaB, at: 10))
        cluster.a.supervisor.wake(F.prKey)
        try #require(await eventually("the store to refuse A's write") { await !cluster.fences.refused.isEmpty })
        try #require(await eventually("A to drop the PR") { await cluster.a.supervisor.heldPullRequests.isEmpty })
        let refusal = try #require(await cluster.fences.refused.first)
        #expect(refusal.key == F.prKey)
        #expect(refusal.token == 1)
        #expect(await eventually("A to cancel its run") { await cluster.operations.call(0)?.sawCancellation == true })

        // B, the owner, takes the push: the resumed apply is superseded by the new head.
        await cluster.b.supervisor.reconcileOnce()
        try #require(await eventually("B to apply the new head") { await cluster.operations.count >= 3 })
        #expect(await cluster.operations.call(2)?.operation == .apply(sha: F.shaB))
        await cluster.operations.complete(2, .success)
        try #require(await eventually("B to finish") { await cluster.savedPhase() == .ready(sha: F.shaB) })
        try #require(await cluster.quiet())
        let postedByA = await cluster.a.posted
        #expect(postedByA.count == postedBefore, "A posted nothing after the take-over: \(postedByA)")
        #expect(await cluster.holders(of: F.prKey) == ["B"])
        #expect(await cluster.fences.unfenced.isEmpty)
    }

    @Test func shutdownHandsTheLeasesOverWithoutWaitingForTheExpiry() async throws {
        let cluster = try ReplicaCluster(replicas: 2)
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("A's apply to start") { await cluster.operations.count >= 1 })

        await cluster.a.supervisor.stop()
        await cluster.a.supervisor.handOver()
        #expect(await cluster.a.supervisor.heldPullRequests.isEmpty)

        await cluster.b.supervisor.claimUnownedWork()  // the database's clock has not moved
        #expect(await cluster.b.supervisor.heldPullRequests == [F.prKey])
        try #require(await eventually("B to resume the apply") { await cluster.operations.count >= 2 })
        #expect(await cluster.operations.call(1)?.operation == .apply(sha: F.shaA))
        await cluster.operations.complete(1, .success)
        try #require(await eventually("B to finish") { await cluster.savedPhase() == .ready(sha: F.shaA) })
    }

    @Test func onlyTheLeaderRunsTheOpenPullRequestListing() async throws {
        let literal = SupervisorFixtures.blueprintYAML.replacingOccurrences(of: #"["acme/*"]"#, with: #"["acme/webapp"]"#)
        let cluster = try ReplicaCluster(replicas: 3, blueprintYAML: literal)
        for replica in cluster.replicas { await replica.supervisor.checkPullRequestsOnce() }
        var listings = await cluster.replicas.asyncMap { await $0.pullRequests.listings }
        #expect(listings.reduce(0, +) == 1, "one listing per pass over all replicas: \(listings)")
        let leader = try #require(await cluster.election.leader)

        // The leader shuts down: the next pass is another replica's.
        let leading = try #require(cluster.replicas.first { $0.name == leader })
        await leading.supervisor.stop()
        await leading.supervisor.handOver()
        for replica in cluster.replicas where replica.name != leader { await replica.supervisor.checkPullRequestsOnce() }
        listings = await cluster.replicas.asyncMap { await $0.pullRequests.listings }
        #expect(listings.reduce(0, +) == 2, "\(listings)")
        let next = try #require(await cluster.election.leader)
        #expect(next != leader)
    }

    @Test func aSlotFreedOnOneReplicaGoesToTheOldestWaiterOnAnother() async throws {
        let cluster = try ReplicaCluster(replicas: 2, blueprintYAML: SupervisorFixtures.blueprintYAML + "\nlimits:\n  max_environments: 1\n")
        try await cluster.append(Self.pullRequest(1))
        cluster.a.supervisor.wake("acme/webapp#1")
        try #require(await eventually("PR 1's apply to start on A") { await cluster.operations.count >= 1 })
        await cluster.operations.complete(0, .success)
        try await cluster.append(Self.pullRequest(2, at: 1))
        cluster.b.supervisor.wake("acme/webapp#2")
        try #require(await eventually("PR 2 waiting on B") {
            await cluster.workers.workers().first { $0.key == Self.key(2) }?.machine.isWaitingForSlot == true
        })
        #expect(await cluster.holders(of: "acme/webapp#1") == ["A"])
        #expect(await cluster.holders(of: "acme/webapp#2") == ["B"])
        #expect(await cluster.operations.count == 1, "the cap holds across replicas")

        // Only signals from here: no reconciler runs, so B admits PR 2 only if A's free slot reaches it.
        cluster.runLoops()
        try await cluster.append(Self.pullRequest(1, at: 2, action: "closed"))
        cluster.a.supervisor.wake("acme/webapp#1")
        try #require(await eventually("PR 1's destroy") { await cluster.operations.count >= 2 })
        #expect(await cluster.operations.call(1)?.operation == .destroy)
        await cluster.operations.complete(1, .success)
        try #require(await eventually("PR 2's apply, admitted on B") { await cluster.operations.count >= 3 })
        let admitted = try #require(await cluster.operations.call(2))
        #expect(admitted.key == Self.key(2))
        #expect(admitted.operation == .apply(sha: F.shaA))
        await cluster.operations.complete(2, .success)
        try #require(await cluster.quiet())
        await cluster.stopLoops()
    }

    @Test func anotherReplicasEnvironmentIsShownAndLeftToItsOwner() async throws {
        let cluster = try ReplicaCluster(replicas: 2)
        try await cluster.a.receive(F.event("opened", at: 0))
        try #require(await eventually("A's apply to start") { await cluster.operations.count >= 1 })
        #expect(await cluster.b.supervisor.heldPullRequests.isEmpty)

        // B, the leader say, reads A's PR from the store: shown in /api/environments, spared by the sweep.
        #expect(try await cluster.b.supervisor.workerRecords().map(\.key) == [F.key])
        // The gauge's phases by name agree with those records on both: read from the store on B,
        // from its own slot on A.
        for supervisor in [cluster.a.supervisor, cluster.b.supervisor] {
            let byRecord = Dictionary(uniqueKeysWithValues: try await supervisor.workerRecords().map { ($0.key, $0.machine.phase.name) })
            #expect(try await supervisor.workerPhaseNames() == byRecord)
            #expect(byRecord == [F.key: "provisioning"])
        }
        #expect(await cluster.b.supervisor.isTakingCareOf(F.key), "an apply is running on A")
        await cluster.operations.complete(0, .success)
        try #require(await cluster.quiet())
        #expect(await cluster.b.supervisor.isTakingCareOf(F.key), "A's PR is open: A wants the environment")

        try await cluster.a.receive(F.event("closed", at: 5))
        try #require(await eventually("the destroy") { await cluster.operations.count >= 2 })
        await cluster.operations.complete(1, .success)
        try #require(await cluster.quiet())
        #expect(await cluster.b.supervisor.isTakingCareOf(F.key) == false, "closed and destroyed: the sweep's")
        #expect(await cluster.holders(of: F.prKey).isEmpty, "nothing needs an owner: the lease was given up")
        #expect(try await cluster.b.supervisor.workerRecords().first?.machine.isClosed == true)
    }

    @Test func aWriteWhoseLeaseIsGoneIsDroppedUnsent() async throws {
        let poster = RecordingStatusPoster()
        let reporter = StatusReporter(poster: poster, configuration: .unlimited)
        let running = Task { await reporter.run() }
        let lease = PullRequestLease(key: F.prKey, holder: "replica-A", token: 3, expiresAt: Date())
        let status = CommitStatus(state: .success, context: F.context, description: "Environment ready")
        WriteOwnership.$current.withValue(WriteOwnership(lease: lease, isHeld: { false })) {
            reporter.submit(repository: "acme/webapp", sha: F.shaA, status: status, pullRequest: 7)
        }
        WriteOwnership.$current.withValue(WriteOwnership(lease: lease, isHeld: { true })) {
            reporter.submit(repository: "acme/webapp", sha: F.shaB, status: status, pullRequest: 7)
        }
        reporter.finish()
        await running.value
        #expect(await poster.posted.map(\.sha) == [F.shaB])
        #expect(await reporter.statistics().dropped[.leaseLost] == 1)
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async -> T) async -> [T] {
        var result: [T] = []
        for element in self { result.append(await transform(element)) }
        return result
    }
}

/// A lease store that stops answering renewals, as PostgreSQL does when it is down.
final class UnreachableRenewals: LeaseStore {
    struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }

    let base: InMemoryLeaseStore
    let down = Mutex(false)
    let refusedRenewals = Mutex(0)

    init(base: InMemoryLeaseStore) { self.base = base }

    func acquire(_ key: String, holder: String, for duration: Duration) async throws -> PullRequestLease? {
        await base.acquire(key, holder: holder, for: duration)
    }

    func renew(_ lease: PullRequestLease, for duration: Duration) async throws -> PullRequestLease? {
        if down.withLock({ $0 }) {
            refusedRenewals.withLock { $0 += 1 }
            throw Down()
        }
        return await base.renew(lease, for: duration)
    }

    func release(_ lease: PullRequestLease) async throws { await base.release(lease) }
    func unownedWork() async throws -> [String] { try await base.unownedWork() }
}

@Suite struct ReplicaRenewalTests {
    typealias F = SupervisorFixtures

    @Test func renewalsFailingKeepThePullRequestUntilItsLocalDeadlineThenDropIt() async throws {
        let inbox = InMemoryEventInbox()
        let workers = InMemoryWorkerStore()
        let operations = FakeOperations()
        let reporter = StatusReporter(poster: RecordingStatusPoster(), configuration: .unlimited)
        let clock = ReplicaClock()
        let leases = UnreachableRenewals(base: InMemoryLeaseStore(work: { await inbox.pendingKeys() }))
        let replica = ReplicaCoordination(holder: "replica-A", leases: leases, signal: InProcessWorkSignal(), leader: SoleLeader(),
                                          clock: { clock.now() })
        let supervisor = EnvironmentSupervisor(blueprints: [try F.preview()], inbox: inbox, store: InMemoryStateStore(), workers: workers,
                                               operations: operations, statuses: reporter, replica: replica)
        let body = try F.event("opened", at: 0).json()
        _ = await inbox.append(deliveryID: "d1", contentKey: "c1", event: "pull_request", key: F.prKey, payload: body, receivedAt: Date())
        supervisor.wake(F.prKey)
        try #require(await eventually("the apply to start") { await operations.count >= 1 })

        leases.down.withLock { $0 = true }
        await supervisor.renewLeases()
        #expect(leases.refusedRenewals.withLock { $0 } == 1, "the fault fired")
        #expect(await supervisor.heldPullRequests == [F.prKey], "kept while its local deadline is ahead")
        #expect(await operations.call(0)?.outcome == nil)

        clock.pause(for: .seconds(26))  // past 30 s less a sixth, still unrenewed
        await supervisor.renewLeases()
        #expect(await supervisor.heldPullRequests.isEmpty)
        #expect(await eventually("the apply cancelled") { await operations.call(0)?.sawCancellation == true })
        #expect(await workers.workers().first?.machine.running == .apply(sha: F.shaA), "its end is not recorded: the next owner resumes it")
    }
}
