import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator
import Providers
import Supervisor
import Synchronization
import Testing
import WebhookSupport

/// What the fencing stores saw: writes refused for a stale token, and writes made with no token at all.
actor FenceLog {
    private(set) var refused: [FencedWriteRefused] = []
    private(set) var unfenced: [String] = []

    func refuse(_ refusal: FencedWriteRefused) { refused.append(refusal) }
    func unfenced(_ what: String) { unfenced.append(what) }
}

/// Checks a write's `WriteFence.current` against the shared lease store, as PostgreSQL does in the
/// same transaction: a token that is no longer the key's current one is refused.
struct Fence: Sendable {
    let leases: InMemoryLeaseStore
    let log: FenceLog

    func check(_ what: String) async throws {
        guard let lease = WriteFence.current else { return await log.unfenced(what) }
        guard await leases.isCurrent(lease) else {
            let refusal = FencedWriteRefused(key: lease.key, token: lease.token)
            await log.refuse(refusal)
            throw refusal
        }
    }
}

/// The shared worker records, fenced.
struct FencingWorkerStore: WorkerStore {
    let base: InMemoryWorkerStore
    let fence: Fence

    func saveWorker(_ record: WorkerRecord) async throws {
        try await fence.check("save \(record.key)")
        await base.saveWorker(record)
    }

    func workers() async throws -> [WorkerRecord] { await base.workers() }
}

/// The shared environment records, fenced like every per-PR write PostgreSQL makes: the
/// executor's records and nodes, the presence's deployments and comment ids.
struct FencingStateStore: StateStore {
    let base: InMemoryStateStore
    let fence: Fence

    func load(_ key: EnvironmentKey) async throws -> EnvironmentRecord? { await base.load(key) }

    func save(_ record: EnvironmentRecord) async throws {
        try await fence.check("save record \(record.key)")
        await base.save(record)
    }

    func saveNode(_ key: EnvironmentKey, _ node: NodeRecord) async throws {
        try await fence.check("save node \(key)")
        try await base.saveNode(key, node)
    }

    func list() async throws -> [EnvironmentRecord] { await base.list() }

    func delete(_ key: EnvironmentKey) async throws {
        try await fence.check("delete \(key)")
        await base.delete(key)
    }

    func instanceID(proposing candidate: String) async throws -> String { await base.instanceID(proposing: candidate) }
    func deployment(_ key: EnvironmentKey, sha: String) async throws -> StoredDeployment? { await base.deployment(key, sha: sha) }

    func saveDeployment(_ key: EnvironmentKey, _ deployment: StoredDeployment) async throws {
        try await fence.check("save deployment \(key)")
        await base.saveDeployment(key, deployment)
    }

    func latestDeployment(_ key: EnvironmentKey) async throws -> StoredDeployment? { await base.latestDeployment(key) }
    func prComment(_ key: EnvironmentKey) async throws -> StoredComment? { await base.prComment(key) }

    func savePRComment(_ key: EnvironmentKey, _ comment: StoredComment?) async throws {
        try await fence.check("save comment \(key)")
        await base.savePRComment(key, comment)
    }
}

/// The shared inbox: recording is any replica's (intake), marking processed is the lease holder's.
struct FencingInbox: EventInbox {
    let base: InMemoryEventInbox
    let fence: Fence

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) async throws -> InboxAppendResult {
        await base.append(deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload, receivedAt: receivedAt)
    }

    func pending(key: String) async throws -> [InboxEvent] { await base.pending(key: key) }
    func pendingKeys() async throws -> [String] { await base.pendingKeys() }

    func markProcessed(key: String, through sequence: Int64) async throws {
        try await fence.check("mark \(key)")
        await base.markProcessed(key: key, through: sequence)
    }

    func prune(processedBefore date: Date) async throws -> Int { await base.prune(processedBefore: date) }
}

/// One election among the test's replicas: the first to ask leads until it resigns.
actor TestElection {
    private(set) var leader: String?

    func ask(_ name: String) -> Bool {
        if leader == nil { leader = name }
        return leader == name
    }

    func resign(_ name: String) {
        if leader == name { leader = nil }
    }
}

struct TestLeader: LeaderElection {
    let name: String
    let election: TestElection

    func isLeader() async -> Bool { await election.ask(name) }
    func resign() async { await election.resign(name) }
}

/// Counts open-PR listings (the leader's singleton) and answers each with no PR.
actor CountingListings: PullRequestLookup {
    private(set) var listings = 0

    func pullRequest(repository: String, number: Int) throws -> PullRequestEvent.PullRequest {
        throw GitHubError(status: 404, message: "Not Found")
    }

    func openPullRequests(repository: String) -> PullRequestListing {
        listings += 1
        return PullRequestListing(pullRequests: [], fetchedPages: 1, notModifiedPages: 0)
    }
}

/// A replica's own monotonic clock, which a test moves ahead to play a process paused (SIGSTOP)
/// past its leases.
final class ReplicaClock: Sendable {
    private let offset = Mutex(Duration.zero)

    func now() -> ContinuousClock.Instant { ContinuousClock.now.advanced(by: offset.withLock { $0 }) }
    func pause(for duration: Duration) { offset.withLock { $0 += duration } }
}

/// One `prenv serve` replica: its supervisor, intake, reporter and the statuses it posted.
final class Replica: Sendable {
    let name: String
    let supervisor: EnvironmentSupervisor
    let intake: WebhookIntake
    let poster: RecordingStatusPoster
    let reporter: StatusReporter
    let reporterRun: Task<Void, Never>
    let clock: ReplicaClock
    let pullRequests: CountingListings

    init(name: String, supervisor: EnvironmentSupervisor, intake: WebhookIntake, poster: RecordingStatusPoster, reporter: StatusReporter,
         clock: ReplicaClock, pullRequests: CountingListings) {
        self.name = name
        self.supervisor = supervisor
        self.intake = intake
        self.poster = poster
        self.reporter = reporter
        self.clock = clock
        self.pullRequests = pullRequests
        reporterRun = Task { await reporter.run() }
    }

    /// Delivers a signed webhook to this replica's intake (which records it and wakes the PR).
    func receive(_ payload: PullRequestPayload) async throws {
        let delivery = try WebhookFixtures.pullRequest(payload)
        let response = await intake.receive(headers: delivery.headers, body: delivery.body)
        guard response.outcome == "accepted" else { throw NotAccepted(status: "\(response.status) \(response.outcome): \(response.message)") }
    }

    /// The statuses this replica posted so far (its reporter keeps running).
    var posted: [PostedStatus] { get async { await poster.posted } }

    /// Nothing of this replica's is queued or being sent.
    var caughtUp: Bool { get async { await reporter.statistics().due == 0 } }
}

struct NotAccepted: Error, CustomStringConvertible {
    var status: String
    var description: String { "intake answered \(status)" }
}

/// Two or three replicas over ONE inbox, worker store, state store and lease store (as they would
/// share PostgreSQL), with one fake operations the test completes. The lease store's clock is the
/// database's (`database`); each replica has its own monotonic clock.
final class ReplicaCluster: Sendable {
    let inbox = InMemoryEventInbox()
    let store = InMemoryStateStore()
    let workers = InMemoryWorkerStore()
    let operations = FakeOperations()
    let database = TestClock()
    let leases: InMemoryLeaseStore
    let signal = InProcessWorkSignal()
    let election = TestElection()
    let fences = FenceLog()
    let replicas: [Replica]
    let loops = Mutex<[Task<Void, Never>]>([])

    /// Long, so that a test run starving this process for half a minute (a full parallel run on two
    /// cores) does not make leases run out on the replicas' real-time clocks: tests expire them on purpose.
    static let leaseDuration: Duration = .seconds(120)

    init(replicas count: Int, blueprintYAML: String = SupervisorFixtures.blueprintYAML) throws {
        let blueprint = try BlueprintLoader.parse(yaml: blueprintYAML, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
        let inbox = inbox
        let workers = workers
        let database = database
        leases = InMemoryLeaseStore(now: { database.now }, work: {
            let pending = await inbox.pendingKeys()
            let owned = await workers.workers().filter(\.machine.needsOwner).map(\.key.leaseKey)
            return Set(pending).union(owned).sorted()
        })
        let fence = Fence(leases: leases, log: fences)
        var replicas: [Replica] = []
        for index in 0..<count {
            let name = ["A", "B", "C"][index]
            let clock = ReplicaClock()
            let poster = RecordingStatusPoster()
            let reporter = StatusReporter(poster: poster, configuration: .unlimited)
            let lookup = CountingListings()
            let coordination = ReplicaCoordination(
                holder: "replica-\(name)", leases: leases, signal: signal, leader: TestLeader(name: name, election: election),
                leaseDuration: Self.leaseDuration, pollEvery: .milliseconds(50), clock: { clock.now() })
            let supervisor = EnvironmentSupervisor(
                blueprints: [blueprint], inbox: FencingInbox(base: inbox, fence: fence), store: FencingStateStore(base: store, fence: fence),
                workers: FencingWorkerStore(base: workers, fence: fence), operations: operations, statuses: reporter,
                pullRequests: lookup, logger: Logger(label: "prenv.replica.\(name)"), now: { database.now }, replica: coordination)
            let intake = WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { await supervisor.concerns($0) },
                                       onRecorded: { supervisor.wake($0) })
            replicas.append(Replica(name: name, supervisor: supervisor, intake: intake, poster: poster, reporter: reporter, clock: clock,
                                    pullRequests: lookup))
        }
        self.replicas = replicas
    }

    var a: Replica { replicas[0] }
    var b: Replica { replicas[1] }

    /// Runs every replica's loops (signals, poll, renewals), as `prenv serve` does.
    func runLoops() {
        loops.withLock { tasks in
            for replica in replicas { tasks.append(Task { await replica.supervisor.runReplica() }) }
        }
    }

    func stopLoops() async {
        let tasks = loops.withLock { tasks in defer { tasks = [] }; return tasks }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// The replicas holding `prKey`'s lease (exactly one, when all is well).
    func holders(of prKey: String) async -> [String] {
        var names: [String] = []
        for replica in replicas where await replica.supervisor.heldPullRequests.contains(prKey) { names.append(replica.name) }
        return names
    }

    /// Every event processed, every replica idle and its statuses sent.
    func quiet(sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("every replica drained and idle", sourceLocation: sourceLocation) {
            guard await inbox.pendingKeys().isEmpty else { return false }
            for replica in replicas {
                guard await replica.supervisor.isIdle, await replica.caughtUp else { return false }
            }
            return true
        }
    }

    /// Moves the database's clock past every lease's expiry (`advance` seconds).
    func expireLeases(by seconds: TimeInterval = ReplicaCluster.leaseDuration.seconds + 1) { database.advance(by: seconds) }

    /// Records an event as intake would, waking nobody.
    func append(_ payload: PullRequestPayload) async throws {
        let body = try payload.json()
        let contentKey = try PullRequestEvent.decode(from: body).contentKey(event: "pull_request")
        let result = await inbox.append(deliveryID: UUID().uuidString, contentKey: contentKey, event: "pull_request",
                                        key: payload.inboxKey, payload: body, receivedAt: Date())
        guard case .recorded = result else { throw NotRecorded(result: result) }
    }

    func savedPhase(_ key: EnvironmentKey = SupervisorFixtures.key) async -> EnvironmentPhase? {
        await workers.workers().first { $0.key == key }?.machine.phase
    }
}
