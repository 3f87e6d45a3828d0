import Orchestrator

extension EnvironmentSupervisor {
    /// Whether the worker of `key` has an operation running or about to start: the orphan sweep
    /// leaves such an environment to its worker, whose apply may be making the very resources the
    /// sweep sees, or whose teardown is already deleting them.
    public func hasRunningOperation(_ key: EnvironmentKey) -> Bool {
        guard let slot = slots[key] else { return false }
        return slot.task != nil || slot.record.machine.awaitingStart != nil
    }
}
