import Blueprint
import Foundation
import Orchestrator

extension OrphanSweep {
    /// Says why a finding must be left alone this time (serve: busy environments, PR-closed ones the
    /// supervisor tears down itself), or nil to let the sweep delete it.
    public typealias Exclusion = @Sendable (OrphanFinding) async -> SpareReason?

    /// Deletes the orphans `report` found, environment by environment, and returns the report with
    /// every finding's outcome. Orphans without a live record are deleted through the providers as a
    /// synthetic record of only them (in an in-memory store: the real store is not touched), ordered
    /// by their blueprint's dependencies via `prenv:node`, or by `dependencyOrder` without one; a
    /// `pullRequestClosed` environment is torn down from its real record, as its teardown would be.
    ///
    /// A stack or a large prefix takes minutes to delete, and meanwhile a webhook (or the open-PR
    /// listing) can give another environment a worker that adopts what the scan saw. So "may I
    /// delete?" is asked per environment immediately before its deletion, not once up front: the
    /// exclusion first, then the environment's record is read again and the group is spared
    /// (`recordChanged`) unless it is exactly the record the findings were judged against.
    /// Only `CancellationError` is thrown.
    public func apply(_ report: OrphanReport, excluding exclusion: Exclusion = { _ in nil }) async throws(CancellationError) -> OrphanReport {
        var result = report
        result.applied = true
        var groups: [SweepGroup: [Int]] = [:]
        for (index, finding) in report.findings.enumerated() where finding.outcome == .found {
            groups[SweepGroup(finding), default: []].append(index)
        }
        for group in groups.keys.sorted() {
            guard let grouped = groups[group] else { continue }
            if Task.isCancelled { throw CancellationError() }
            var indices: [Int] = []
            for index in grouped {
                if let spared = await exclusion(result.findings[index]) {
                    result.findings[index].outcome = .spared(spared)
                } else if result.findings[index].age == nil {
                    result.findings[index].outcome = .spared(.ageUnknown)
                } else {
                    indices.append(index)
                }
            }
            guard !indices.isEmpty else { continue }
            switch try await recordCheck(group, since: report) {
            case .unchanged:
                break
            case .changed:
                for index in indices { result.findings[index].outcome = .spared(.recordChanged) }
                continue
            case .unreadable(let error):
                for index in indices { result.findings[index].outcome = .failed("cannot read the record of \(group.key): \(error)") }
                continue
            }
            let outcomes = group.fromRecord
                ? try await destroyRecorded(group, findings: indices.map { result.findings[$0] })
                : try await destroySynthetic(group, findings: indices.map { result.findings[$0] }, failedTypes: Set(report.incompleteDiscoveries))
            for (index, outcome) in zip(indices, outcomes) { result.findings[index].outcome = outcome }
        }
        if Task.isCancelled { throw CancellationError() }
        return result
    }

    /// Whether an environment's record is still the one its findings were judged against.
    enum RecordCheck {
        /// The same record, or still none.
        case unchanged
        /// It appeared, changed or went: a worker may be adopting what the scan saw.
        case changed
        /// The store could not say (its error): nothing is deleted.
        case unreadable(String)
    }

    func recordCheck(_ group: SweepGroup, since report: OrphanReport) async throws(CancellationError) -> RecordCheck {
        do {
            return try await store.load(group.key) == report.records[group.key] ? .unchanged : .changed
        } catch let error as CancellationError {
            throw error
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// Orphans deleted together: one environment, and whether from its record or from tags.
    struct SweepGroup: Hashable, Comparable {
        var key: EnvironmentKey
        var envName: String
        var fromRecord: Bool

        init(_ finding: OrphanFinding) {
            let tagged = finding.environment
            key = tagged.key ?? EnvironmentKey(repository: tagged.repository ?? "", pr: Int(tagged.pr ?? "") ?? 0, blueprint: tagged.blueprint ?? "")
            envName = tagged.envName ?? ""
            fromRecord = finding.reason == .pullRequestClosed
        }

        /// An environment's record group comes after its tag groups: its teardown removes the record,
        /// which the tag groups' "unchanged since the scan" check would otherwise see as a change.
        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.key.repository, lhs.key.pr, lhs.key.blueprint, lhs.fromRecord ? 1 : 0, lhs.envName)
                < (rhs.key.repository, rhs.key.pr, rhs.key.blueprint, rhs.fromRecord ? 1 : 0, rhs.envName)
        }
    }

    /// A closed PR's environment, destroyed from its real record (which is then removed), as the
    /// supervisor's teardown does. A record that is gone or no longer holds the resource is left
    /// for the next sweep to judge afresh.
    func destroyRecorded(_ group: SweepGroup, findings: [OrphanFinding]) async throws(CancellationError) -> [OrphanOutcome] {
        let record: EnvironmentRecord?
        do {
            record = try await store.load(group.key)
        } catch let error as CancellationError {
            throw error
        } catch {
            return findings.map { _ in .failed("cannot read the record of \(group.key): \(error)") }
        }
        guard let record, record.hasLiveNodes else { return findings.map { _ in .spared(.recordChanged) } }
        let executor = Executor(providers: providers, store: store, maxConcurrency: maxConcurrency, instance: instance, now: now)
        let result = await executor.destroy(recorded: record)
        return try findings.map { (finding) throws(CancellationError) -> OrphanOutcome in
            guard let node = finding.recordedNode, record.nodes[node]?.mayExist == true else { return .spared(.recordChanged) }
            return try Self.outcome(of: node, in: result)
        }
    }

    /// Orphans without a live record: a synthetic record of the discovered nodes, destroyed in an
    /// in-memory store. Whatever a resource of a type that could not be listed may depend on is
    /// kept: deleting it first would break the dependents-first order.
    func destroySynthetic(_ group: SweepGroup, findings: [OrphanFinding], failedTypes: Set<ResourceType>) async throws(CancellationError) -> [OrphanOutcome] {
        let synthetic = SyntheticEnvironment(
            findings: findings, blueprint: blueprints.first { $0.name == group.key.blueprint }, dependencyOrder: dependencyOrder)
        var outcomes = [OrphanOutcome?](repeating: nil, count: findings.count)
        var kept = Set<String>()
        for (index, id) in synthetic.ids.enumerated() {
            if let type = synthetic.dependentTypes(of: id).intersection(failedTypes).sorted(by: { $0.rawValue < $1.rawValue }).first {
                outcomes[index] = .spared(.discoveryFailed(type))
                kept.insert(id)
            }
        }
        var record = EnvironmentRecord(key: group.key, envName: group.envName, headSHA: "", state: .destroying, updatedAt: now())
        for (id, node) in synthetic.nodes where !kept.contains(id) {
            var node = node
            node.dependencies.subtract(kept)
            record.nodes[id] = node
        }
        let executor = Executor(providers: providers, store: InMemoryStateStore(), maxConcurrency: maxConcurrency, instance: instance, now: now)
        // The executor makes the providers' context from the record (key, `env.name`), which the
        // tags gave: the providers' ownership checks then hold each resource to those same tags.
        let result = await executor.destroy(recorded: record)
        for (index, id) in synthetic.ids.enumerated() where outcomes[index] == nil {
            outcomes[index] = try Self.outcome(of: id, in: result)
        }
        return outcomes.map { $0 ?? .failed("not attempted") }
    }

    /// A node's outcome as a finding's. A cancelled run is not a failed delete: the cancellation is
    /// thrown, as it was raised.
    static func outcome(of node: String, in result: ExecutionResult) throws(CancellationError) -> OrphanOutcome {
        if let error = result.error {
            if let cancellation = error as? CancellationError { throw cancellation }
            return .failed("\(error)")
        }
        switch result.outcomes[node] {
        case .succeeded?: return .deleted
        case .failed(let error)?:
            let underlying = (error as? ProvisionError).map(\.underlying) ?? error
            if let cancellation = underlying as? CancellationError { throw cancellation }
            return .failed("\(underlying)")
        case .skipped(let blockedBy)?: return .spared(.dependentKept(blockedBy))
        case .cancelled?: throw CancellationError()
        case nil: return .failed("not attempted")
        }
    }
}
