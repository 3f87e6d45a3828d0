import Blueprint
import Orchestrator

/// Caps across environments (`limits.max_environments`): each machine decides when it needs a slot
/// and keeps its place in the queue (`EnvironmentStateMachine+Slots`); this counts, per capped
/// blueprint, the environments holding one and admits the longest-waiting ones into free slots.
/// Run after anything that may take or free a slot or change the queue: a drained batch (new PRs,
/// closes), a finished operation (a destroy frees its slot), a reconciler pass (expiry) and a start.
extension EnvironmentSupervisor {
    /// Admits waiting environments into free slots in queue order and tells the others how many
    /// are ahead of them, re-posting only when that changes.
    func fillSlots() async {
        guard !stopping else { return }
        var admitted: [EnvironmentKey] = []
        for blueprint in blueprints.values.sorted(by: { $0.name < $1.name }) {
            guard let cap = blueprint.limits.maxEnvironments else { continue }
            let mine = slots.filter { $0.key.blueprint == blueprint.name }
            var free = cap - mine.values.filter { $0.record.machine.holdsSlot }.count
            let queue = mine.compactMap { key, slot in slot.record.machine.waitingSince.map { (since: $0, key: key) } }
                .sorted { ($0.since, $0.key) < ($1.since, $1.key) }
            var ahead = 0
            for key in queue.map(\.key) {
                guard free > 0 else {
                    announceWait(key, ahead: ahead)
                    ahead += 1
                    continue
                }
                // Decided here, before any save awaits, so a concurrent pass counts this slot as taken.
                route(mutateMachine(key) { $0.handle(.admitted) }, for: key)
                announcedWaits[key] = nil
                admitted.append(key)
                free -= 1
            }
        }
        for key in admitted {
            logger.info("slot granted", metadata: ["environment": "\(key)"])
            await persistAndLaunch(key)
        }
        announcedWaits = announcedWaits.filter { slots[$0.key]?.record.machine.isWaitingForSlot == true }
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
