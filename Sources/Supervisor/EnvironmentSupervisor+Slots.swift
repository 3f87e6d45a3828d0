import Blueprint
import Orchestrator

/// Caps across environments (`limits.max_environments`): each machine decides when it needs a slot
/// and keeps its place in the queue (`EnvironmentStateMachine+Slots`); this counts, per capped
/// blueprint, the environments holding one and admits the longest-waiting ones into free slots.
/// Run after anything that may take or free a slot or change the queue: a drained batch (new PRs,
/// closes), a finished operation (a destroy frees its slot), a reconciler pass (expiry) and a start.
///
/// With several replicas the count and the queue are every replica's: the saved worker records,
/// with this replica's own slots in their place (fresher). Each replica admits only its own
/// waiting environments (a machine changes only under its PR's lease), and a free slot the queue
/// gives to another replica's environment is left to that replica (signalled, so it need not wait
/// for its next pass). Admission is not serialised across replicas: leaving it to the leader would
/// need the leader to hold every waiting PR. So two replicas admitting at the same moment, each
/// counting before seeing the other's save, can overshoot a cap by at most one environment per
/// other replica, for as long as those environments live; no replica admits again until the count
/// is below the cap, so the overshoot does not compound. Accepted: the cap bounds cost, not safety.
extension EnvironmentSupervisor {
    /// Admits waiting environments into free slots in queue order and tells the others how many
    /// are ahead of them, re-posting only when that changes.
    func fillSlots() async {
        guard !stopping else { return }
        let capped = blueprints.values.filter { $0.limits.maxEnvironments != nil }.sorted { $0.name < $1.name }
        guard !capped.isEmpty else { return }
        let saved: [WorkerRecord]
        do {
            // A lone replica holds every worker that holds or waits for a slot: its own slots
            // are the whole count, as before replicas existed, without reading every record.
            saved = replica.isAlone ? [] : try await workerStore.workers()
        } catch is CancellationError {
            return  // shutting down
        } catch {
            logger.warning("could not read the worker records to count slots; admitting nobody this pass", metadata: ["error": "\(error)"])
            return
        }
        guard !stopping else { return }
        var admitted: [EnvironmentKey] = []
        var nudge: [EnvironmentKey] = []
        for blueprint in capped {
            guard let cap = blueprint.limits.maxEnvironments else { continue }
            // Read after the await: a concurrent pass's admissions are counted.
            var machines = Dictionary(saved.filter { $0.key.blueprint == blueprint.name }.map { ($0.key, $0.machine) }, uniquingKeysWith: { $1 })
            for (key, slot) in slots where key.blueprint == blueprint.name { machines[key] = slot.record.machine }
            var free = cap - machines.values.filter(\.holdsSlot).count
            let queue = machines.compactMap { key, machine in machine.waitingSince.map { (since: $0, key: key) } }
                .sorted { ($0.since, $0.key) < ($1.since, $1.key) }
            var ahead = 0
            for key in queue.map(\.key) {
                guard free > 0 else {
                    if slots[key] != nil { announceWait(key, ahead: ahead) }
                    ahead += 1
                    continue
                }
                free -= 1  // this waiter's, here or on the replica holding it
                guard slots[key] != nil else {
                    if nudgedWaiters.insert(key).inserted { nudge.append(key) }
                    continue
                }
                // Decided here, before any save awaits, so a concurrent pass counts this slot as taken.
                route(mutateMachine(key) { $0.handle(.admitted) }, for: key)
                announcedWaits[key] = nil
                admitted.append(key)
            }
        }
        for key in admitted {
            logger.info("slot granted", metadata: ["environment": "\(key)"])
            await persistAndLaunch(key)
        }
        announcedWaits = announcedWaits.filter { slots[$0.key]?.record.machine.isWaitingForSlot == true }
        nudgedWaiters = nudgedWaiters.filter { key in saved.contains { $0.key == key && $0.machine.isWaitingForSlot } }
        for key in nudge {
            do {
                try await replica.signal.signal(key.leaseKey)
            } catch {
                logger.debug("could not signal the replica holding a waiting environment; its next pass admits it", metadata: ["environment": "\(key)"])
            }
        }
    }

    private func announceWait(_ key: EnvironmentKey, ahead: Int) {
        guard let record = slots[key]?.record else { return }
        let sha = record.pullRequest.headSHA
        let announcement = "\(sha) \(ahead)"
        guard announcedWaits[key] != announcement else { return }
        announcedWaits[key] = announcement
        narrator(for: key, sha: sha).waitingForSlot(ahead: ahead)
    }
}
