/// Caps (`limits.max_environments`): under a cap an environment needs a slot before it gets
/// resources. The machine decides for itself when it needs one (`waitForSlot`: about to apply with
/// nothing in AWS and no slot granted), keeps its place (`waitingSince`), leaves the queue when it
/// is no longer wanted and gives the slot back once its resources are gone. Counting slots across
/// environments is the supervisor's (`EnvironmentSupervisor+Slots`), which sends `admitted`.
///
/// The place in the queue is the sequence (`updated_at`) of the event that made it wait: saved with
/// the machine, so a restart keeps the order, and GitHub's order rather than delivery order, so a
/// PR whose `opened` was lost and caught up later keeps the place it had on GitHub.
extension EnvironmentStateMachine {
    /// Whether the environment holds or is getting resources: what counts against its blueprint's cap.
    public var holdsSlot: Bool { hasResources || running != nil || admitted }

    /// Whether it is queued for a slot.
    public var isWaitingForSlot: Bool { waitingSince != nil }

    mutating func limitSlots(_ limited: Bool) -> [Action] {
        slotRequired = limited
        guard !limited, waitingSince != nil else { return [] }
        waitingSince = nil  // the cap was lifted: nothing to wait for
        return reconcile()
    }

    mutating func admit() -> [Action] {
        guard waitingSince != nil else { return [.ignore(reason: "not waiting for a slot")] }
        waitingSince = nil
        admitted = true
        return reconcile()
    }

    /// Called where an apply would start: the wait instead, when a slot is needed and not held
    /// (nothing more to do while already waiting: a push just changes what will be applied).
    mutating func waitForSlotIfNeeded() -> [Action]? {
        guard slotRequired, !hasResources, !admitted else { return nil }
        guard waitingSince == nil else { return [] }
        waitingSince = lastSequence
        phase = .idle
        return [.waitForSlot]
    }
}
