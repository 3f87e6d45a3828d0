import Blueprint
import Foundation
import ResourceGraph

extension Executor {
    /// Applies `plan` for one PR: creates and updates forward (dependencies first), then deletes the
    /// nodes the blueprint dropped (dependents first).
    ///
    /// Each node is rendered when it is due, from the outputs recorded so far, and its action is
    /// re-decided against the record then: a planned no-op whose upstream output changed becomes an
    /// update. Never throws: every failure is in the result, and a failed node skips its dependents.
    /// Cancelling the task stops new nodes; running providers see the cancellation.
    public func apply(
        plan: Plan, blueprint: Blueprint, context: PRContext, key: EnvironmentKey,
        onEvent: @escaping @Sendable (ProgressEvent) -> Void = { _ in }
    ) async -> ExecutionResult {
        let envName = blueprint.envName(for: context)
        let provision = ProvisionContext(envName: envName, key: key, headSHA: context.headSHA, instance: instance)
        let ledger: RunLedger
        do {
            var record = try await store.load(key)
                ?? EnvironmentRecord(key: key, envName: envName, headSHA: context.headSHA, state: .idle, updatedAt: now())
            record.envName = envName
            record.headSHA = context.headSHA
            record.state = .provisioning(sha: context.headSHA)
            record.updatedAt = now()
            try await store.save(record)
            ledger = RunLedger(record: record, store: store)
        } catch {
            return ExecutionResult(error: error)
        }
        var result = ExecutionResult()
        do {
            let forward = try await walk(plan.subgraph { $0.action != .delete }, direction: .forward, plan: plan, onEvent: onEvent) { step in
                // Every line logged for the node (its provider's AWS calls too) names it.
                try await LogContext.$current.withValue(.resource(step.id)) {
                    try await applyNode(step, blueprint: blueprint, context: context, provision: provision, ledger: ledger, onEvent: onEvent)
                }
            }
            let forwardActions = await ledger.actions
            result.merge(forward, actions: forwardActions)
            let reverse = try await walk(plan.subgraph { $0.action == .delete }, direction: .reverse, plan: plan, onEvent: onEvent) { step in
                try await LogContext.$current.withValue(.resource(step.id)) {
                    try await deleteNode(step.id, provision: provision, ledger: ledger, onEvent: onEvent)
                }
            }
            let allActions = await ledger.actions
            result.merge(reverse, actions: allActions)
        } catch {
            result.error = error
        }
        let state: EnvironmentPhase = result.succeeded
            ? .ready(sha: context.headSHA) : .failed(sha: context.headSHA, reason: result.summary)
        do {
            result.record = try await ledger.finish(state: state, at: now())
        } catch {
            result.error = result.error ?? error
            result.record = await ledger.record
        }
        return result
    }

    /// Creates, updates, replaces or leaves one node, writing its record before and after the call.
    func applyNode(
        _ step: PlanStep, blueprint: Blueprint, context: PRContext, provision: ProvisionContext, ledger: RunLedger,
        onEvent: @escaping @Sendable (ProgressEvent) -> Void
    ) async throws {
        try Task.checkCancellation()
        let previous = await ledger.node(step.id)
        guard let spec = blueprint.resource(step.id) else {
            let error = ProvisionError(node: step.id, phase: .create, underlying: ExecutionError.notInBlueprint(step.id))
            onEvent(.failed(node: step.id, action: step.action, error: error, duration: .zero))
            throw error
        }
        let rendered = blueprint.render(spec, context: context, outputs: await ledger.outputs())
        let action = Planner.action(for: rendered, immutable: spec.kind.immutableProperties, record: previous)
        try await reporting(step.id, action: action, ledger: ledger, onEvent: onEvent) {
            let progress: @Sendable (String) -> Void = { onEvent(.progress(node: step.id, message: $0)) }
            let stage: @Sendable (StageProgress) -> Void = { onEvent(.stage($0)) }
            switch action {
            case .noop:
                if let previous, previous.dependencies != rendered.dependencies {
                    var refreshed = previous
                    refreshed.dependencies = rendered.dependencies
                    try await write(refreshed, phase: .update, ledger: ledger)
                }
            case .update(let changed):
                try await provide(rendered, action: .update(changed: Set(changed)), previous: previous,
                                  provision: provision, ledger: ledger, progress: progress, stage: stage)
            case .create:
                try await provide(rendered, action: .create, previous: previous, provision: provision, ledger: ledger, progress: progress, stage: stage)
            case .replace:
                if let previous { try await destroyRecorded(previous, provision: provision, ledger: ledger, progress: progress) }
                try await provide(rendered, action: .create, previous: nil, provision: provision, ledger: ledger, progress: progress, stage: stage)
            case .delete:
                break  // `Planner.action` never deletes a node the blueprint declares
            }
        }
    }

    /// Records `creating`/`updating`, calls the provider, records `created` or `failed`.
    /// While updating the record keeps the *old* properties, so an interrupted update is redone.
    private func provide(
        _ rendered: RenderedResource, action: ApplyAction, previous: NodeRecord?, provision: ProvisionContext,
        ledger: RunLedger, progress: @escaping @Sendable (String) -> Void, stage: @escaping @Sendable (StageProgress) -> Void
    ) async throws {
        let phase: ProvisionError.Phase = action == .create ? .create : .update
        guard rendered.isResolved else {
            throw ProvisionError(node: rendered.id, phase: phase, underlying: ExecutionError.unresolved(rendered.unresolved.map(\.description)))
        }
        let provider: any ResourceProvider
        do { provider = try self.provider(for: rendered.type) } catch { throw ProvisionError(node: rendered.id, phase: phase, underlying: error) }
        var node = previous.flatMap { action == .create ? nil : $0 }
            ?? NodeRecord(id: rendered.id, type: rendered.type, status: .creating, properties: rendered.properties,
                          dependencies: rendered.dependencies, physicalName: previous?.physicalName, updatedAt: now())
        node.status = action == .create ? .creating : .updating
        node.updatedAt = now()
        try await write(node, phase: phase, ledger: ledger)
        let request = ApplyRequest(nodeID: rendered.id, action: action, properties: rendered.properties,
                                   previous: previous, context: provision.forNode(rendered.id), progress: progress, stage: stage)
        do {
            let result = try await provider.apply(request)
            node.status = .created
            node.properties = rendered.properties
            node.outputs = result.outputs
            node.dependencies = rendered.dependencies
            node.physicalName = result.physicalName ?? node.physicalName
            node.lastError = nil
        } catch {
            if isCancellation(error) { throw error }  // leave `creating`/`updating` as evidence to adopt from
            let failure = ProvisionError(node: rendered.id, phase: phase, underlying: error)
            node.status = .failed
            node.lastError = failure.description
            node.updatedAt = now()
            try? await ledger.write(node)
            throw failure
        }
        node.updatedAt = now()
        try await write(node, phase: phase, ledger: ledger)
    }

    /// A store write; its failure fails the node (the provider is not called without evidence first).
    func write(_ node: NodeRecord, phase: ProvisionError.Phase, ledger: RunLedger) async throws {
        do { try await ledger.write(node) } catch { throw ProvisionError(node: node.id, phase: phase, underlying: error) }
    }
}
