import Blueprint
import Foundation

/// The record of one run, shared by concurrently running nodes: every node write updates it in
/// memory and in the store, so later nodes render from the outputs written so far.
actor RunLedger {
    private(set) var record: EnvironmentRecord
    private(set) var actions: [String: PlanAction] = [:]
    private let store: any StateStore

    init(record: EnvironmentRecord, store: any StateStore) {
        self.record = record
        self.store = store
    }

    func node(_ id: String) -> NodeRecord? { record.nodes[id] }

    func outputs() -> [String: [String: String]] { record.createdOutputs }

    func note(_ id: String, action: PlanAction) { actions[id] = action }

    /// Writes one node: in memory first (so concurrent readers see it), then to the store.
    func write(_ node: NodeRecord) async throws {
        record.nodes[node.id] = node
        record.updatedAt = max(record.updatedAt, node.updatedAt)
        try await store.saveNode(record.key, node)
    }

    /// Sets the environment's phase and saves the whole record.
    func finish(state: EnvironmentPhase, at date: Date) async throws -> EnvironmentRecord {
        record.state = state
        record.updatedAt = date
        try await store.save(record)
        return record
    }

    /// Removes the record from the store (everything is gone).
    func remove() async throws { try await store.delete(record.key) }
}
