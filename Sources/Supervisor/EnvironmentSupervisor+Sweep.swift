import Orchestrator

extension EnvironmentSupervisor {
    /// Whether the worker of `key` has an operation running or about to start: the orphan sweep
    /// leaves such an environment to its worker, whose apply may be making the very resources the
    /// sweep sees, or whose teardown is already deleting them.
    public func hasRunningOperation(_ key: EnvironmentKey) -> Bool {
        guard let slot = slots[key] else { return false }
        return slot.task != nil || slot.record.machine.awaitingStart != nil
    }

    /// Whether the sweep must leave `key`'s resources to its worker: an operation is running, or the
    /// worker wants the environment (its PR is open and selected). After a lost state file the
    /// open-PR listing gives such a PR a worker again, and its next apply adopts what is there;
    /// deleting it first would take a live preview down only to build it again. Once the PR closes
    /// the worker stops wanting it, and whatever its teardown did not account for is the sweep's.
    ///
    /// The sweep runs on the leader, and an environment of another replica's PR is not in its
    /// slots: that one is judged by its saved machine. When the store cannot say, it is left alone.
    public func isTakingCareOf(_ key: EnvironmentKey) async -> Bool {
        if let slot = slots[key] {
            return hasRunningOperation(key) || Self.wants(slot.record.machine)
        }
        do {
            guard let saved = try await workerStore.workers(leaseKey: key.leaseKey).first(where: { $0.key == key }) else { return false }
            return saved.machine.running != nil || saved.machine.awaitingStart != nil || Self.wants(saved.machine)
        } catch is CancellationError {
            return true  // shutting down: left alone, quietly
        } catch {
            logger.warning("could not read the worker records; the sweep leaves the environment alone", metadata: [
                "environment": "\(key)", "error": "\(error)",
            ])
            return true
        }
    }

    private static func wants(_ machine: EnvironmentStateMachine) -> Bool {
        guard !machine.isClosed, case .present = machine.desired else { return false }
        return true
    }
}
