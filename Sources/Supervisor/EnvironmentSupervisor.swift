import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator

/// Keeps one environment per (pull request, blueprint) converging on what the PR's webhooks say it
/// should be. The per-PR workers of `prenv serve`.
///
/// Per PR, recorded events are taken from the inbox one batch at a time, oldest first, and fed to
/// each blueprint's `EnvironmentStateMachine`; the machine's state is saved *before* any operation
/// it asks for starts and before the events are marked processed. So a crash at any moment leaves
/// either unprocessed events (re-read on restart) or a saved machine whose `running` operation is
/// re-issued by `start()` (providers adopt what the dead run left). Every decision (what to start,
/// cancel, drop or retry, and when) is the machine's; the supervisor only carries out its actions and
/// reports back what happened as events.
///
/// It is one of several replicas sharing the stores (`ReplicaCoordination`, `+Leases`): it acts on
/// a PR only under that PR's lease, and `slots` holds the environments of the PRs it holds, nothing
/// else. A lone replica holds every PR with work, as before replicas existed.
public actor EnvironmentSupervisor {
    struct Slot {
        /// Boxed (`CopyOnWriteBox`): `slots` keeps a bucket per slot and as many again empty.
        private var boxedRecord: CopyOnWriteBox<WorkerRecord>
        var record: WorkerRecord {
            _read { yield boxedRecord.value }
            _modify { yield &boxedRecord.value }
        }
        /// The operation running for the machine. At most one per slot: `launch` starts one only
        /// when none is set, and only that task's own `finished` clears it, so no report is stale.
        var task: Task<Void, Never>?
        /// The delivery id of the newest event that touched the machine: the operation launched
        /// next logs under it (`LogContext`). When several coalesced events lead to one operation,
        /// the newest is the one it converges on, so it is named. Not saved: after a restart the
        /// resumed operation logs without a delivery id.
        var delivery: String?

        init(record: WorkerRecord) { boxedRecord = CopyOnWriteBox(record) }
    }

    let blueprints: [String: Blueprint]
    /// Events intake decoded, so the worker need not read them again (give it to `WebhookIntake`).
    public nonisolated let decodedEvents = DecodedEvents()
    /// Reads blueprints from repositories' `.prenv/` where the operator allows it; nil: never.
    let repositoryBlueprintResolver: RepositoryBlueprintResolver?
    /// What was read from `.prenv/` per PR held (`+RepositoryBlueprints`), by PR key.
    var repositoryBlueprints: [String: RepositoryBlueprintResolver.Resolution] = [:]
    let inbox: any EventInbox
    let store: any StateStore
    let workerStore: any WorkerStore
    let operations: any EnvironmentOperations
    let statuses: StatusReporter
    /// The deployment, the sticky comment and the activity `/api/environments` shows.
    let presence: EnvironmentPresence
    /// Asked by `checkPullRequests` about PRs whose webhooks may have been lost; nil without a token.
    let pullRequests: (any PullRequestLookup)?
    let logger: Logger
    let now: @Sendable () -> Date
    /// Seconds a teardown may fail before it is reported as stuck (`--teardown-alert-after`).
    let teardownAlertAfter: TimeInterval

    /// The environments of the PRs this replica holds the lease of (and of one being claimed).
    var slots: [EnvironmentKey: Slot] = [:]
    let replica: ReplicaCoordination
    /// The leases held, shared with the status reporter's senders (`WriteOwnership`).
    let ledger: LeaseLedger
    /// Take-overs in flight, per PR, so concurrent wakes of one PR share one.
    var claims: [String: Task<Holding?, Never>] = [:]
    /// Releases of leases on their way to the store, per PR: a take-over of the PR waits for them.
    var releasing: [String: Task<Void, Never>] = [:]
    /// Whether the log already said that leases cannot be renewed (said again once they can).
    var renewalFailing = false
    /// Other replicas' waiting environments this one left a free slot to, signalled once (`fillSlots`).
    var nudgedWaiters: Set<EnvironmentKey> = []
    var draining: Set<String> = []
    /// When a drain of each PR last failed (not for its lease): the unowned-work poll leaves it
    /// alone for `failedDrainBackoff`, instead of claiming, failing and releasing it every poll.
    var failedDrains: [String: ContinuousClock.Instant] = [:]
    var drainAgain: Set<String> = []
    var stopping = false
    /// Set when shutdown begins (`quiesce`): running operations go on to their end, none starts.
    var quiescing = false
    /// Whether the log already said that same-second ties fall back to arrival order (no token).
    var warnedTiesWithoutGitHub = false
    /// The "Waiting for a slot" status last submitted per waiting environment (commit and text), so
    /// a status is posted when the position changes, not at every pass.
    var announcedWaits: [EnvironmentKey: String] = [:]
    /// The blocking resource and reason of the stuck-teardown alert last posted per environment, so
    /// it is posted when the threshold is crossed and again only when either changes.
    var teardownAlerts: [EnvironmentKey: String] = [:]
    /// Answers `/prenv` commands (permission, reaction, reply); nil without GitHub: commands are logged only.
    let commandGitHub: (any CommandGitHub)?
    /// Who may run commands, asked of `commandGitHub` and remembered for a minute.
    let permissions: PermissionCache?
    /// When `/metrics` next recomputes the sampled gauges (`+Telemetry`).
    var gaugeSampling = GaugeSampling()
    /// Limits the replies anyone can cause (`help`, unknown commands, refusals of who may not act).
    var replyLimiter = CommandReplyLimiter()

    public init(
        blueprints: [Blueprint], inbox: any EventInbox, store: any StateStore, workers: any WorkerStore,
        operations: any EnvironmentOperations, statuses: StatusReporter, pullRequests: (any PullRequestLookup)? = nil,
        logger: Logger = Logger(label: "prenv.supervisor"), now: @escaping @Sendable () -> Date = Date.init,
        teardownAlertAfter: TimeInterval = EnvironmentSupervisor.defaultTeardownAlertAfter,
        commands: (any CommandGitHub)? = nil, presence: EnvironmentPresence? = nil, replica: ReplicaCoordination? = nil,
        repositoryBlueprints: RepositoryBlueprintResolver? = nil
    ) {
        self.repositoryBlueprintResolver = repositoryBlueprints
        let replica = replica ?? .single(inbox: inbox, workers: workers)
        self.replica = replica
        self.ledger = LeaseLedger(clock: replica.clock)
        self.commandGitHub = commands
        self.permissions = commands.map { PermissionCache(github: $0, now: now) }
        // Without one given (tests, no GitHub): the activity only, no deployments and no comment.
        self.presence = presence ?? EnvironmentPresence(reporter: statuses, github: nil, store: store, region: nil, secret: "", now: now)
        self.pullRequests = pullRequests
        self.teardownAlertAfter = teardownAlertAfter
        self.blueprints = Dictionary(blueprints.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.inbox = inbox
        self.store = store
        self.workerStore = workers
        self.operations = operations
        self.statuses = statuses
        self.logger = logger
        self.now = now
    }

    /// Takes over every PR with work no replica holds (for a lone replica: every PR with pending
    /// events or a worker that needs one), re-issues what a crash interrupted, and drains the events
    /// left pending in the background. Returns once the first claim is done, so the HTTP server
    /// (which waits for it) never races a restart; `runReplica` then keeps claiming.
    public func start() async throws {
        reportUnlistableRepositories()
        var claimed: [String] = []
        // Take-overs one by one, before the server and the replica's loops run (nothing claims
        // concurrently yet). A store failure fails the start, as before replicas existed; a PR
        // another replica took meanwhile (a refused write) is only that replica's now.
        for prKey in try await replica.leases.unownedWork().sorted() where !stopping {
            do {
                if try await takeOver(prKey) != nil { claimed.append(prKey) }
            } catch let error where Self.isLeaseLoss(error) {
                continue
            }
        }
        await fillSlots()
        for prKey in claimed { Task { await self.drain(prKey) } }
    }

    /// Whether a blueprint lists the PR's repository, or the PR already has a worker; intake records
    /// only these. The base branch is left to the worker: an `edited` that moves the base away must be
    /// recorded even when the `opened` before it is not yet processed. A worker of another replica's
    /// PR is only in the store; when it cannot be read (or the request is cancelled midway), the
    /// event is recorded (a worker ignores what does not concern it, but an event not recorded is
    /// lost).
    ///
    /// Nonisolated for the common answer (a blueprint lists the repository), so intake does not
    /// queue behind the workers' turns on this actor for every delivery.
    public nonisolated func concerns(_ event: PullRequestEvent) async -> Bool {
        if selects(repository: event.repository.fullName) { return true }
        return await concernsWithoutBlueprint(event)
    }

    /// A repository no blueprint lists: whether an environment of the PR exists here or in the store.
    private func concernsWithoutBlueprint(_ event: PullRequestEvent) async -> Bool {
        if slots.keys.contains(where: { $0.repository == event.repository.fullName && $0.pr == event.number }) {
            return true
        }
        do {
            return try await !workerStore.workers(leaseKey: event.inboxKey).isEmpty
        } catch is CancellationError {
            return true
        } catch {
            logger.warning("could not read the worker records; recording the event", metadata: ["pr": "\(event.inboxKey)", "error": "\(error)"])
            return true
        }
    }

    /// Whether a blueprint lists the repository (`on.repositories`): intake records `/prenv`
    /// commands only there; the worker then answers PRs without an environment itself.
    public nonisolated func selects(repository: String) -> Bool {
        blueprints.values.contains { $0.triggers.selects(repository: repository) } || readsRepositoryBlueprints(of: repository)
    }

    /// Called after intake recorded an event for `prKey`: claims and drains it here in the
    /// background, and signals every replica (this one too: a second drain of a PR being drained
    /// only asks for another pass), since the PR may be another replica's. A lone replica does not
    /// signal itself: nobody else would hear it, and it would only claim and drain twice.
    public nonisolated func wake(_ prKey: String) {
        Task { await self.claimAndDrain(prKey) }
        guard !replica.isAlone else { return }
        let signal = replica.signal
        let logger = logger
        Task {
            do {
                try await signal.signal(prKey)
            } catch {
                logger.warning("could not signal the other replicas; their poll finds the work", metadata: ["pr": "\(prKey)", "error": "\(error)"])
            }
        }
    }

    /// Every worker's state, for `/api/environments`: the store's records of every replica's PRs,
    /// with this replica's own slots in their place (fresher: some changes are not saved yet). When
    /// the store cannot be read, this replica's slots alone. Throws only `CancellationError`: a
    /// request given up is not answered with a partial list.
    public func workerRecords() async throws -> [WorkerRecord] {
        var records: [EnvironmentKey: WorkerRecord] = [:]
        do {
            for record in try await workerStore.workers() { records[record.key] = record }
        } catch let cancelled as CancellationError {
            throw cancelled
        } catch {
            logger.warning("could not read the worker records; showing this replica's only", metadata: ["error": "\(error)"])
        }
        for (key, slot) in slots { records[key] = slot.record }
        return records.values.sorted { $0.key < $1.key }
    }

    /// Nothing claiming, draining, queued or running: for tests and orderly shutdown.
    public var isIdle: Bool {
        claims.isEmpty && draining.isEmpty && slots.values.allSatisfy { $0.task == nil && $0.record.machine.awaitingStart == nil }
    }

    /// Stops taking work and cancels running operations without recording their end, so a restart
    /// resumes them exactly as after a crash.
    public func stop() async {
        stopping = true
        let tasks = slots.values.compactMap(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    // MARK: Shared steps

    func mutateMachine(_ key: EnvironmentKey, _ body: (inout EnvironmentStateMachine) -> [EnvironmentStateMachine.Action]) -> [EnvironmentStateMachine.Action] {
        guard var slot = slots[key] else { return [] }
        let actions = body(&slot.record.machine)
        slots[key] = slot
        return actions
    }

    /// Carries out what can be done at once: cancelling a running apply. Starts wait for the save
    /// (`persistAndLaunch`), and the machine keeps them as `awaitingStart` until then.
    func route(_ actions: [EnvironmentStateMachine.Action], for key: EnvironmentKey) {
        for action in actions {
            switch action {
            case .apply, .destroy:
                break
            case .cancelApply:
                slots[key]?.task?.cancel()
            case .ignore(let reason):
                logger.debug("event changed nothing", metadata: ["environment": "\(key)", "reason": "\(reason)"])
            case .confirmWithGitHub:
                break  // asked once per PR after the batch (`settleTies`)
            case .waitForSlot:
                break  // queued by the machine; `fillSlots` admits it or says how many are ahead
            case .refuse(let refusal):
                logger.info("command refused", metadata: ["environment": "\(key)", "refusal": "\(refusal)"])
            }
        }
    }

    /// Saves the worker with a new revision (so a late write of an older snapshot loses), under
    /// the PR's lease: throws `NotLeaseHolder` without one, and `FencedWriteRefused` (after dropping
    /// the PR, `lose`) when the store says another replica has taken it since.
    /// A slot gone with its lease (lost while an earlier save awaited) is `NotLeaseHolder` too, never
    /// a silent success: a drain must not mark events processed that were never saved.
    func persist(_ key: EnvironmentKey) async throws {
        guard let holding = validLease(key.leaseKey), var slot = slots[key] else { throw NotLeaseHolder(key: key.leaseKey) }
        slot.record.revision += 1
        slot.record.updatedAt = now()
        slots[key] = slot
        try await fenced(holding) { try await workerStore.saveWorker(slot.record) }
    }

    /// Saves the worker, then starts what it queued; a failed save starts nothing (the reconciler
    /// saves and starts it later), so no operation ever runs ahead of its saved state.
    func persistAndLaunch(_ key: EnvironmentKey) async {
        do {
            try await persist(key)
        } catch let error where Self.isLeaseLoss(error) {
            logger.debug("not saved: the lease is gone", metadata: ["environment": "\(key)", "error": "\(error)"])
            return
        } catch {
            logger.error("could not save worker state; the reconciler retries", metadata: ["environment": "\(key)", "error": "\(error)"])
            return
        }
        launch(key)
    }

    /// Called by an operation's task when it ends; `holding` is the one it was launched under. A
    /// task of a PR lost since (and perhaps taken back: a new tenure, maybe under the same token)
    /// reports nothing, as after `stop()`.
    func finished(_ key: EnvironmentKey, _ event: EnvironmentStateMachine.Event, holding: Holding) async {
        guard !stopping, slots[key] != nil, isCurrent(holding) else { return }
        slots[key]?.task = nil
        route(mutateMachine(key) { $0.handle(event) }, for: key)
        await persistAndLaunch(key)
        await fillSlots()  // a finished destroy may have freed a slot
        await releaseIfDone(key.leaseKey)
    }
}
