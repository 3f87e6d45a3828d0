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
    /// The lease of `prKey` if this replica holds it and its deadline on this replica's clock has
    /// not passed; past it, the PR is dropped (`lose`) before the store says so.
    func validLease(_ prKey: String) -> PullRequestLease? {
        guard let held = ledger.held(prKey) else { return nil }
        guard replica.clock() < held.deadline else {
            lose(held.lease, because: "it ran out on this replica's clock before it was renewed (paused, or the lease store unreachable)")
            return nil
        }
        return held.lease
    }

    /// What a GitHub write asked for under `lease` carries (`WriteOwnership`).
    func ownership(_ lease: PullRequestLease) -> WriteOwnership {
        let ledger = ledger
        return WriteOwnership(lease: lease) { ledger.allows(lease) }
    }

    /// Runs `body` with `lease` as the fence of state writes and the ownership of GitHub writes,
    /// which `Task {}`s created in it inherit.
    func underLease<T>(_ lease: PullRequestLease, _ body: () throws -> T) rethrows -> T {
        try WriteFence.$current.withValue(lease) {
            try WriteOwnership.$current.withValue(ownership(lease), operation: body)
        }
    }

    /// `underLease` for async work; a write the store refuses for a stale token drops the PR (`lose`).
    func fenced<T>(_ lease: PullRequestLease, _ body: () async throws -> T) async throws -> T {
        let ownership = ownership(lease)
        do {
            return try await WriteFence.$current.withValue(lease) {
                try await WriteOwnership.$current.withValue(ownership) { try await body() }
            }
        } catch let refused as FencedWriteRefused {
            lose(lease, because: refused.description)
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

    /// The lease of `prKey`, taken over if not held; nil when another replica holds it (or the
    /// take-over failed: logged, and the poll tries again). Concurrent claims of one PR share one.
    func claim(_ prKey: String) async -> PullRequestLease? {
        if let lease = validLease(prKey) { return lease }
        if let pending = claims[prKey] { return await pending.value }
        let task = Task { () -> PullRequestLease? in
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
        let lease = await task.value
        claims[prKey] = nil
        return lease
    }

    /// Acquires `prKey`'s lease and does what a restart does for it: loads its workers as saved
    /// (replacing any copy this replica kept: another replica may have saved them since), re-issues
    /// what was interrupted, saves and launches. nil: another replica holds it. Throws what the
    /// stores threw (the lease is then kept if the records were read).
    func takeOver(_ prKey: String) async throws -> PullRequestLease? {
        guard !stopping else { return nil }
        let asked = replica.clock()
        guard let lease = try await replica.leases.acquire(prKey, holder: replica.holder, for: replica.leaseDuration) else { return nil }
        ledger.hold(lease, until: asked.advanced(by: replica.localValidity))
        let records: [WorkerRecord]
        do {
            guard !stopping else { throw CancellationError() }
            records = try await workerStore.workers(leaseKey: prKey)
        } catch {
            await giveBack(lease)
            throw error
        }
        for key in slots.keys where key.leaseKey == prKey { forgetSlot(key) }
        for record in records { slots[record.key] = Slot(record: record) }
        if !records.isEmpty {
            logger.debug("took the pull request's lease", metadata: ["pr": "\(prKey)", "token": "\(lease.token)", "environments": "\(records.count)"])
        }
        for key in records.map(\.key).sorted() {
            let capped = blueprints[key.blueprint]?.limits.maxEnvironments != nil
            let actions = mutateMachine(key) { $0.resumeAfterRestart() + $0.handle(.slotsLimited(capped)) }
            guard !actions.isEmpty else { continue }
            logger.info("resuming interrupted work", metadata: ["environment": "\(key)", "actions": "\(actions)"])
            route(actions, for: key)
            try await persist(key)
            launch(key)
        }
        return lease
    }

    // MARK: Losing and giving up

    /// Drops a PR whose lease is gone (the store refused a write under it, a renewal said another
    /// replica has it, or it ran out on this replica's clock): its running operations are cancelled
    /// without recording their end (as `stop()` does), since the new owner resumes them from the
    /// saved state; its slots are forgotten; writes queued for it are dropped when their turn comes.
    func lose(_ lease: PullRequestLease, because reason: String) {
        guard ledger.lose(lease) else { return }
        for key in slots.keys where key.leaseKey == lease.key {
            slots[key]?.task?.cancel()
            forgetSlot(key)
        }
        drainAgain.remove(lease.key)
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
        ledger.release(held.lease)
        do {
            try await replica.leases.release(held.lease)
        } catch {
            logger.notice("could not give the lease up; it expires on its own", metadata: ["pr": "\(prKey)", "error": "\(error)"])
        }
    }

    private func giveBack(_ lease: PullRequestLease) async {
        ledger.release(lease)
        try? await replica.leases.release(lease)
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
            ledger.release(held.lease)
            do {
                try await replica.leases.release(held.lease)
            } catch {
                logger.notice("could not give the lease up at shutdown; it expires on its own", metadata: ["pr": "\(held.lease.key)", "error": "\(error)"])
            }
        }
        await replica.leader.resign()
    }

    /// Before an operation's end is told (statuses, then its save): asks the store whether `lease`
    /// is still this replica's, renewing it, so a replica that lost the PR without noticing yet says
    /// nothing. A store that cannot answer leaves it to this replica's clock (`validLease`).
    func confirm(_ lease: PullRequestLease) async -> Bool {
        guard validLease(lease.key)?.token == lease.token else { return false }
        let asked = replica.clock()
        do {
            guard let renewed = try await replica.leases.renew(lease, for: replica.leaseDuration) else {
                lose(lease, because: "the lease store says another replica took it over")
                return false
            }
            ledger.hold(renewed, until: asked.advanced(by: replica.localValidity), renewal: true)
        } catch {
            logger.debug("could not confirm the lease; trusting this replica's clock", metadata: ["pr": "\(lease.key)", "error": "\(error)"])
        }
        return validLease(lease.key)?.token == lease.token
    }

    // MARK: The replica's loops

    /// Renews every lease held; one the store no longer grants is lost. While the store cannot be
    /// reached, keeps trying until a lease runs out on this replica's clock, then loses it. Then
    /// gives up the leases of PRs with nothing left to do (a release missed on the way).
    public func renewLeases() async {
        for held in ledger.all {
            guard !Task.isCancelled, !stopping else { return }
            guard validLease(held.lease.key) != nil else { continue }
            let asked = replica.clock()
            do {
                guard let renewed = try await replica.leases.renew(held.lease, for: replica.leaseDuration) else {
                    lose(held.lease, because: "the lease store says another replica took it over")
                    continue
                }
                ledger.hold(renewed, until: asked.advanced(by: replica.localValidity), renewal: true)
                if renewalFailing {
                    renewalFailing = false
                    logger.notice("leases are renewed again")
                }
            } catch is CancellationError {
                return
            } catch {
                if !renewalFailing {
                    renewalFailing = true
                    logger.error("could not renew leases; retrying until they run out on this replica's clock", metadata: ["error": "\(error)"])
                }
                _ = validLease(held.lease.key)
            }
        }
        for held in ledger.all { await releaseIfDone(held.lease.key) }
    }

    /// Claims every PR with work no replica holds (missed signals, dead replicas' PRs) and drains it.
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
        for prKey in keys.sorted() {
            guard !stopping, !Task.isCancelled else { return }
            await claimAndDrain(prKey)
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
