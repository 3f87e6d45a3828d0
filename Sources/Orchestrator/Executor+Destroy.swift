import Foundation
import ResourceGraph

extension Executor {
    /// Tears an environment down from its record alone (no blueprint): dependents first, along the
    /// recorded dependencies. A failed delete skips what it depends on (a bucket the pipeline still
    /// uses is kept) and is reported. When everything is gone the record is removed from the store.
    public func destroy(recorded: EnvironmentRecord, onEvent: @escaping @Sendable (ProgressEvent) -> Void = { _ in }) async -> ExecutionResult {
        let plan = Planner.destroyPlan(recorded: recorded)
        let provision = ProvisionContext(envName: recorded.envName, key: recorded.key, headSHA: recorded.headSHA, instance: instance)
        var record = recorded
        record.state = .destroying
        record.updatedAt = now()
        do { try await store.save(record) } catch { return ExecutionResult(record: recorded, error: error) }
        let ledger = RunLedger(record: record, store: store)
        var result = ExecutionResult()
        do {
            let walk = try await walk(plan.graph, direction: .reverse, plan: plan, onEvent: onEvent) { step in
                // Every line logged for the node (its provider's AWS calls too) names it.
                try await LogContext.$current.withValue(.resource(step.id)) {
                    try await deleteNode(step.id, provision: provision, ledger: ledger, onEvent: onEvent)
                }
            }
            let actions = await ledger.actions
            result.merge(walk, actions: actions)
        } catch {
            result.error = error
        }
        do {
            if result.succeeded {
                try await ledger.remove()
            } else {
                result.record = try await ledger.finish(state: .failed(sha: recorded.headSHA, reason: "destroy: " + result.summary), at: now())
            }
        } catch {
            result.error = result.error ?? error
            result.record = await ledger.record
        }
        return result
    }

    /// Deletes one recorded node: `deleting`, provider call, then `deleted` (or `failed`).
    func deleteNode(
        _ id: String, provision: ProvisionContext, ledger: RunLedger, onEvent: @escaping @Sendable (ProgressEvent) -> Void
    ) async throws {
        try Task.checkCancellation()
        guard let record = await ledger.node(id), record.mayExist else { return }
        try await reporting(id, action: .delete, ledger: ledger, onEvent: onEvent) {
            try await destroyRecorded(record, provision: provision, ledger: ledger) {
                onEvent(.progress(node: id, message: $0))
            }
        }
    }

    /// The delete itself, shared by teardown and by replace (delete, then create anew).
    func destroyRecorded(
        _ record: NodeRecord, provision: ProvisionContext, ledger: RunLedger, progress: @escaping @Sendable (String) -> Void
    ) async throws {
        var node = record
        node.status = .deleting
        node.updatedAt = now()
        try await write(node, phase: .delete, ledger: ledger)
        do {
            let provider = try self.provider(for: record.type)
            try await provider.destroy(record, context: provision.forNode(record.id), progress: progress)
            if record.status == .creating, lateCreateRecheck > .zero {
                progress("its create was cut off and may still land; looking again in \(lateCreateRecheck)")
                try await Task.sleep(for: lateCreateRecheck)
                try await provider.destroy(record, context: provision.forNode(record.id), progress: progress)
            }
        } catch {
            if isCancellation(error) { throw error }  // leave `deleting`: the next destroy retries it
            let failure = ProvisionError(node: record.id, phase: .delete, underlying: error)
            node.status = .failed
            node.lastError = failure.description
            node.updatedAt = now()
            try? await ledger.write(node)
            throw failure
        }
        node.status = .deleted
        node.outputs = [:]
        node.lastError = nil
        node.updatedAt = now()
        try await write(node, phase: .delete, ledger: ledger)
    }
}
