import Foundation
import Logging
import Orchestrator

/// A PR's work as one replica among several (`ReplicaCoordination`): the supervisor acts on a PR
/// only under its lease, and every state write it makes for the PR carries the lease's fencing
/// token (`WriteFence`), so a replica that lost the lease (paused past it, cut off from the store)
/// can never overwrite the new owner's records.
///
/// Ownership is sticky: a PR's lease is kept (renewed) while any of its environments `needsOwner`
/// and given up once none does, so one replica carries a PR from `opened` to its teardown, and its
/// slots are the state of record for it. A replica that dies loses its leases at their expiry;
/// another finds the PRs (`LeaseStore.unownedWork`) and takes them over as a restart would
/// (`resumeAfterRestart`; providers adopt what the dead run left).
extension EnvironmentSupervisor {
    /// One holding of a PR's lease by this replica (`LeaseLedger.Held`): the lease, its deadline
    /// on this replica's clock, and the tenure that tells this holding from an earlier one under
    /// the same token.
    typealias Holding = LeaseLedger.Held

    /// The holding of `prKey` if this replica holds it and its deadline on this replica's clock has
    /// not passed; past it, the PR is dropped (`lose`) before the store says so.
    func validLease(_ prKey: String) -> Holding? {
        guard let held = ledger.held(prKey) else { return nil }
        guard replica.clock() < held.deadline else {
            lose(held, because: "it ran out on this replica's clock before it was renewed (paused, or the lease store unreachable)")
            return nil
        }
        return held
    }

    /// Whether `holding` is still the one in force: after every await of work done under it (the
    /// PR may have been lost, and even taken back, meanwhile).
    func isCurrent(_ holding: Holding) -> Bool {
        validLease(holding.lease.key)?.tenure == holding.tenure
    }

    /// Throws `NotLeaseHolder` unless `holding` is still the one in force (`isCurrent`).
    func ensureCurrent(_ holding: Holding) throws {
        guard isCurrent(holding) else { throw NotLeaseHolder(key: holding.lease.key) }
    }

    /// What a GitHub write asked for under `holding` carries (`WriteOwnership`).
    func ownership(_ holding: Holding) -> WriteOwnership {
        let ledger = ledger
        let key = holding.lease.key
        let tenure = holding.tenure
        return WriteOwnership(lease: holding.lease) { ledger.allows(key, tenure: tenure) }
    }

    /// Runs `body` with `holding`'s lease as the fence of state writes and its ownership for GitHub
    /// writes, which `Task {}`s created in it inherit.
    func underLease<T>(_ holding: Holding, _ body: () throws -> T) rethrows -> T {
        try WriteFence.$current.withValue(holding.lease) {
            try WriteOwnership.$current.withValue(ownership(holding), operation: body)
        }
    }

    /// `underLease` for async work; a write the store refuses for a stale token drops the PR (`lose`).
    func fenced<T>(_ holding: Holding, _ body: () async throws -> T) async throws -> T {
        let ownership = ownership(holding)
        do {
            return try await WriteFence.$current.withValue(holding.lease) {
                try await WriteOwnership.$current.withValue(ownership) { try await body() }
            }
        } catch let refused as FencedWriteRefused {
            lose(holding, because: refused.description)
            throw refused
        }
    }

    static func isLeaseLoss(_ error: any Error) -> Bool { error is FencedWriteRefused || error is NotLeaseHolder }

    // MARK: Claiming

    /// Claims `prKey` (unless held already) and drains its events: what a wake, a signal and the
    /// poll do. Another replica holding it is no failure: that one drains it.
    func claimAndDrain(_ prKey: String) async {
        guard !stopping, await claim(prKey) != nil else { return }
        await drain(prKey)
    }

    /// The holding of `prKey`, taken over if not held; nil when another replica holds it (or the
    /// take-over failed: logged, and the poll tries again). Concurrent claims of one PR share one,
    /// and a claim made while a take-over is under way waits for it rather than act on a PR whose
    /// records are not loaded yet.
    func claim(_ prKey: String) async -> Holding? {
        if let pending = claims[prKey] { return await pending.value }
        if let holding = validLease(prKey) { return holding }
        let task = Task { () -> Holding? in
            do {
                return try await self.takeOver(prKey)
            } catch let error where error is CancellationError || Self.isLeaseLoss(error) {
                return nil
            } catch {
                // Taken, but its interrupted work not saved again: the reconciler saves and starts it.
                self.logger.error("could not take over a pull request's work", metadata: ["pr": "\(prKey)", "error": "\(error)"])
                return self.validLease(prKey)
            }
        }
        claims[prKey] = task
        let holding = await task.value
        claims[prKey] = nil
        return holding
    }

    /// Acquires `prKey`'s lease and does what a restart does for it: loads its workers as saved
    /// (replacing any copy this replica kept: another replica may have saved them since), re-issues
    /// what was interrupted, saves and launches. nil: another replica holds it. Throws what the
    /// stores threw (the lease is then kept if the records were read).
    ///
    /// The PR counts as held (`ledger`) only once its records are in `slots`: until then a drain
    /// (the reconciler's, say) sees it as not held and leaves it alone, and claims wait for this
    /// one (`claims`). A release of an earlier holding still on its way to the store is awaited
    /// first, so it cannot undo this acquire.
    func takeOver(_ prKey: String) async throws -> Holding? {
        guard !stopping else { return nil }
        if let release = releasing[prKey] { await release.value }
        let asked = replica.clock()
        guard let lease = try await replica.leases.acquire(prKey, holder: replica.holder, for: replica.leaseDuration) else { return nil }
        let records: [WorkerRecord]
        do {
            guard !stopping else { throw CancellationError() }
            records = try await workerStore.workers(leaseKey: prKey)
            guard !stopping else { throw CancellationError() }
            repositoryBlueprints[prKey] = nil  // read again below: this holding's, not an earlier one's
            try await readRepositoryBlueprints(forResuming: records, prKey: prKey)
            guard !stopping else { throw CancellationError() }
        } catch {
            giveBack(lease)
            throw error
        }
        for key in slots.keys where key.leaseKey == prKey {
            // Left by an earlier holding (none should be): its task must not run beside the new one's.
            slots[key]?.task?.cancel()
            forgetSlot(key)
        }
        guard let holding = ledger.hold(lease, until: asked.advanced(by: replica.localValidity)) else { return nil }
        for record in records { slots[record.key] = Slot(record: record) }
        if !records.isEmpty {
            logger.debug("took the pull request's lease", metadata: ["pr": "\(prKey)", "token": "\(lease.token)", "environments": "\(records.count)"])
        }
        for key in records.map(\.key).sorted() {
            let capped = environmentBlueprint(key)?.limits.maxEnvironments != nil
            let actions = mutateMachine(key) { $0.resumeAfterRestart() + $0.handle(.slotsLimited(capped)) }
            guard !actions.isEmpty else { continue }
            logger.info("resuming interrupted work", metadata: ["environment": "\(key)", "actions": "\(actions)"])
            route(actions, for: key)
            try await persist(key)
            launch(key)
        }
        return holding
    }

    // MARK: Losing and giving up

    /// Drops a PR whose lease is gone (the store refused a write under it, a renewal said another
    /// replica has it, or it ran out on this replica's clock): its running operations are cancelled
    /// without recording their end (as `stop()` does), since the new owner resumes them from the
    /// saved state; its slots are forgotten; writes queued for it are dropped when their turn comes.
    /// The lease is also given back to the store (in the background; a take-over waits for it): a
    /// lease lost on this replica's clock alone still stands there, and taking it back would keep
    /// its token, under which the cancelled operations' late state writes would still pass.
    func lose(_ holding: Holding, because reason: String) {
        let lease = holding.lease
        guard ledger.lose(lease.key, tenure: holding.tenure) else { return }
        for key in slots.keys where key.leaseKey == lease.key {
            slots[key]?.task?.cancel()
            forgetSlot(key)
        }
        drainAgain.remove(lease.key)
        repositoryBlueprints[lease.key] = nil
        giveBack(lease)
        logger.warning("lease lost; another replica owns \(lease.key) now", metadata: [
            "pr": "\(lease.key)", "token": "\(lease.token)", "reason": "\(reason)",
        ])
    }

    /// Gives the lease of `prKey` up when nothing of the PR needs an owner any more (closed,
    /// destroyed, idle), so any replica takes its next event at once. Its slots go with it: the
    /// next owner (this replica too) loads them from the store.
    func releaseIfDone(_ prKey: String) async {
        guard !stopping, !draining.contains(prKey), claims[prKey] == nil, let held = ledger.held(prKey) else { return }
        let mine = slots.filter { $0.key.leaseKey == prKey }
        guard mine.values.allSatisfy({ $0.task == nil && $0.record.machine.awaitingStart == nil && !$0.record.machine.needsOwner }) else { return }
        for key in mine.keys { forgetSlot(key) }
        repositoryBlueprints[prKey] = nil
        ledger.release(prKey, tenure: held.tenure)
        await giveBack(held.lease, notice: "could not give the lease up; it expires on its own").value
    }

    /// Releases `lease` in the store, tracked in `releasing` until done so a take-over of its PR
    /// waits for it (a release arriving after a new acquire would take the new lease away).
    @discardableResult
    func giveBack(_ lease: PullRequestLease, notice: String? = nil) -> Task<Void, Never> {
        let earlier = releasing[lease.key]
        let leases = replica.leases
        let logger = logger
        let task = Task {
            await earlier?.value
            do {
                try await leases.release(lease)
            } catch {
                if let notice { logger.notice("\(notice)", metadata: ["pr": "\(lease.key)", "error": "\(error)"]) }
            }
        }
        releasing[lease.key] = task
        Task {
            await task.value
            self.releaseDone(lease.key, task)
        }
        return task
    }

    private func releaseDone(_ prKey: String, _ task: Task<Void, Never>) {
        if releasing[prKey] == task { releasing[prKey] = nil }
    }

    private func forgetSlot(_ key: EnvironmentKey) {
        slots[key] = nil
        announcedWaits[key] = nil
        teardownAlerts[key] = nil
        nudgedWaiters.remove(key)
    }

    /// After `stop()` at shutdown: gives every lease up and stops leading, so other replicas resume
    /// this one's PRs at once instead of after the expiry. Safe although operations were cut short:
    /// `stop()` saved nothing new, so each saved machine still says `running`, and the next owner
    /// resumes it as after a restart.
    public func handOver() async {
        for held in ledger.all {
            ledger.release(held.lease.key, tenure: held.tenure)
            await giveBack(held.lease, notice: "could not give the lease up at shutdown; it expires on its own").value
        }
        await replica.leader.resign()
    }

    /// Before an operation's end is told (statuses, then its save): asks the store whether
    /// `holding` is still this replica's, renewing it, so a replica that lost the PR without
    /// noticing yet says nothing. A store that cannot answer leaves it to this replica's clock
    /// (`validLease`).
    func confirm(_ holding: Holding) async -> Bool {
        guard isCurrent(holding) else { return false }
        let asked = replica.clock()
        do {
            guard let renewed = try await replica.leases.renew(holding.lease, for: replica.leaseDuration) else {
                if isCurrent(holding) { lose(holding, because: "the lease store says another replica took it over") }
                return false
            }
            if isCurrent(holding) { ledger.hold(renewed, until: asked.advanced(by: replica.localValidity), renewal: true) }
        } catch {
            logger.debug("could not confirm the lease; trusting this replica's clock", metadata: ["pr": "\(holding.lease.key)", "error": "\(error)"])
        }
        return isCurrent(holding)
    }

    // MARK: The replica's loops

    /// Renews every lease held, all at once (one slow answer does not hold the others back); one
    /// the store no longer grants is lost. While the store cannot be reached, keeps trying until a
    /// lease runs out on this replica's clock, then loses it: a store outage longer than
    /// `localValidity` cancels this replica's operations (the next owner resumes them). Then gives
    /// up the leases of PRs with nothing left to do (a release missed on the way).
    public func renewLeases() async {
        let holdings = ledger.all.filter { isCurrent($0) }
        guard !holdings.isEmpty, !Task.isCancelled, !stopping else { return }
        let leases = replica.leases
        let duration = replica.leaseDuration
        let asked = replica.clock()
        let answers = await withTaskGroup(of: (Holding, Result<PullRequestLease?, any Error>).self) { group in
            for holding in holdings {
                group.addTask {
                    do {
                        return (holding, .success(try await leases.renew(holding.lease, for: duration)))
                    } catch {
                        return (holding, .failure(error))
                    }
                }
            }
            var answers: [(Holding, Result<PullRequestLease?, any Error>)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0.lease.key < $1.0.lease.key }
        }
        var failure: (any Error)?
        for (holding, answer) in answers {
            switch answer {
            case .success(let renewed?):
                if isCurrent(holding) { ledger.hold(renewed, until: asked.advanced(by: replica.localValidity), renewal: true) }
            case .success(nil):
                lose(holding, because: "the lease store says another replica took it over")
            case .failure(let error) where error is CancellationError:
                return
            case .failure(let error):
                failure = failure ?? error
                _ = validLease(holding.lease.key)
            }
        }
        if let failure, !renewalFailing {
            renewalFailing = true
            logger.error("could not renew leases; retrying until they run out on this replica's clock", metadata: ["error": "\(failure)"])
        } else if failure == nil, renewalFailing {
            renewalFailing = false
            logger.notice("leases are renewed again")
        }
        guard !stopping else { return }
        for held in ledger.all { await releaseIfDone(held.lease.key) }
    }

    /// How long the poll leaves a PR whose drain failed (as often as the reconciler retried before replicas).
    static let failedDrainBackoff: Duration = .seconds(60)

    /// How many unowned PRs one poll claims and drains at once.
    static let claimConcurrency = 8

    /// Claims every PR with work no replica holds (missed signals, dead replicas' PRs) and drains
    /// it, a few at a time (a dead replica's backlog is not taken up one PR after another).
    public func claimUnownedWork() async {
        guard !stopping else { return }
        let keys: [String]
        do {
            keys = try await replica.leases.unownedWork()
        } catch is CancellationError {
            return
        } catch {
            logger.error("could not ask which pull requests have work nobody holds", metadata: ["error": "\(error)"])
            return
        }
        let now = replica.clock()
        failedDrains = failedDrains.filter { now < $0.value.advanced(by: Self.failedDrainBackoff) }
        // A lone replica retries at every pass, as before replicas existed (it polls once a minute).
        let due = replica.isAlone ? keys : keys.filter { failedDrains[$0] == nil }
        await withTaskGroup(of: Void.self) { group in
            for (index, prKey) in due.sorted().enumerated() {
                if index >= Self.claimConcurrency { await group.next() }
                guard !stopping, !Task.isCancelled else { break }
                group.addTask { await self.claimAndDrain(prKey) }
            }
        }
    }

    /// The PRs (`owner/name#N`) whose lease this replica holds now, sorted.
    public var heldPullRequests: [String] { ledger.all.map(\.lease.key) }

    /// Whether this replica runs the singletons now (`LeaderElection`).
    public func isLeader() async -> Bool {
        await replica.leader.isLeader()
    }

    /// Runs until cancelled: follows wake-up signals (owned PR: drain; other: claim, which fails
    /// harmlessly when another replica holds it), polls for unowned work every `pollEvery`, and
    /// renews leases every `renewEvery`. Run after `start()`, beside the reconciler.
    public func runReplica() async {
        let replica = replica
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await prKey in replica.signal.signals() {
                    guard !Task.isCancelled else { return }
                    Task { await self.claimAndDrain(prKey) }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: replica.pollEvery) } catch { return }
                    await self.claimUnownedWork()
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: replica.renewEvery) } catch { return }
                    await self.renewLeases()
                }
            }
        }
    }
}

/// A state write asked for without holding the PR's lease (lost, or never taken): not attempted.
struct NotLeaseHolder: Error, CustomStringConvertible {
    var key: String
    var description: String { "this replica does not hold the lease of \(key) (lost, or never taken)" }
}
