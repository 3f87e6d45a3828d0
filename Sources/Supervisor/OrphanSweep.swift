import Blueprint
import Foundation
import GitHub
import Orchestrator

/// Finds the resources tagged for this prenv instance that no live record accounts for, and deletes
/// them: what `prenv gc` and `prenv serve`'s periodic sweep run. The records are the plan; AWS's tags
/// are the evidence. Whatever cannot be decided (a failed discovery, a GitHub error, an unknown age)
/// never leads to a deletion.
///
/// Age: a resource younger than `olderThan` is reported as spared and never deleted: it may be on
/// its way into a record (another process of this instance, a create whose record is being written).
/// A resource whose creation time AWS did not report is reported as an orphan (a dry run shows it
/// and exits 3, so an operator sees it) but `apply` spares it: its age cannot be shown, and
/// deleting on a guess is what the sweep must never do. Every shipped kind reports a creation time
/// (an S3 prefix its marker's), so this only concerns a resource whose metadata AWS lost.
public struct OrphanSweep: Sendable {
    public var discoveries: [any ResourceDiscovery]
    public var store: any StateStore
    public var blueprints: [Blueprint]
    public var instance: String
    /// Asked whether recorded PRs are closed; nil without a GitHub token (no `pullRequestClosed`).
    public var pullRequests: (any PullRequestLookup)?
    /// `prenv serve`'s question about the PR of each resource no record holds: an open one is spared,
    /// since its worker (given back by the open-PR listing after a lost state) adopts it instead of
    /// having a live preview deleted and rebuilt. One request per such PR, and only after state
    /// was lost. nil in `prenv gc`, which is asked to remove what the state does not hold, and
    /// without a token (the sweep then cannot tell, and such environments come back at their next push).
    public var openPullRequestCheck: (any PullRequestLookup)?
    /// Deletes orphans, with the providers' own ownership checks.
    public var providers: [ResourceType: any ResourceProvider]
    /// Resource types listed dependencies first (`ProviderKind.all`'s order: prefixes, projects,
    /// pipelines, stacks); orphans without a blueprint order are deleted walking it backwards.
    public var dependencyOrder: [ResourceType]
    public var maxConcurrency: Int
    public var now: @Sendable () -> Date

    public init(
        discoveries: [any ResourceDiscovery], store: any StateStore, blueprints: [Blueprint], instance: String,
        pullRequests: (any PullRequestLookup)?, openPullRequestCheck: (any PullRequestLookup)? = nil, providers: [any ResourceProvider],
        dependencyOrder: [ResourceType], maxConcurrency: Int = 4, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.openPullRequestCheck = openPullRequestCheck
        self.discoveries = discoveries
        self.store = store
        self.blueprints = blueprints
        self.instance = instance
        self.pullRequests = pullRequests
        self.providers = Dictionary(providers.map { ($0.type, $0) }, uniquingKeysWith: { _, last in last })
        self.dependencyOrder = dependencyOrder
        self.maxConcurrency = maxConcurrency
        self.now = now
    }

    /// Scans and classifies. A discovery that fails is reported and the others still run; each entry
    /// a discovery skipped is reported too, while what it found is judged as usual; a
    /// `CancellationError` or a state store that cannot be read is thrown (with no records every
    /// resource would look orphaned, so nothing is reported rather than everything).
    public func find(olderThan: TimeInterval) async throws -> OrphanReport {
        let before = try await store.list()
        let query = DiscoveryQuery(
            instance: instance, recordedNodes: before.flatMap { $0.nodes.values.sorted { $0.id < $1.id } },
            blueprintResources: blueprints.flatMap(\.resources))
        let scan = try await discoverAll(query)
        // Read again after the scan: a record is written before its resource is made, so anything
        // the scan saw that is still recorded now is in this read.
        let records = Dictionary(try await store.list().map { ($0.key, $0) }, uniquingKeysWith: { _, last in last })
        let sweptAt = now()
        var report = OrphanReport(sweptAt: sweptAt, olderThan: olderThan, problems: scan.problems, scanned: scan.scanned)
        var closed: [PullRequestID: Bool] = [:]
        var open: [PullRequestID: Bool?] = [:]
        for resource in scan.resources {
            let age = resource.createdAt.map { sweptAt.timeIntervalSince($0) }
            var outcome: OrphanOutcome = (age.map { $0 < olderThan } ?? false) ? .spared(.tooYoung) : .found
            switch OrphanClassifier.classify(resource, records: records) {
            case .orphan(let reason):
                if reason == .noEnvironment, outcome == .found, let check = openPullRequestCheck, let key = TaggedEnvironment(tags: resource.tags).key {
                    let id = PullRequestID(repository: key.repository, number: key.pr)
                    if open[id] == nil {
                        do {
                            open[id] = try await check.pullRequest(repository: key.repository, number: key.pr).state == "open"
                        } catch {
                            if error is CancellationError { throw error }
                            open[id] = .some(nil)
                            report.problems.append(SweepProblem(source: .pullRequest(repository: key.repository, number: key.pr), message: "\(error)"))
                        }
                    }
                    switch open[id] {
                    case .some(true): outcome = .spared(.pullRequestOpen)
                    case .some(nil): outcome = .spared(.pullRequestUnknown)
                    default: break
                    }
                }
                report.findings.append(OrphanFinding(resource: resource, reason: reason, age: age, outcome: outcome))
            case .recorded(let key, let node):
                guard let lookup = pullRequests else { continue }
                let id = PullRequestID(repository: key.repository, number: key.pr)
                if closed[id] == nil {
                    do {
                        closed[id] = try await lookup.pullRequest(repository: key.repository, number: key.pr).state == "closed"
                    } catch {
                        if error is CancellationError { throw error }
                        closed[id] = false  // never delete on an error
                        report.problems.append(SweepProblem(source: .pullRequest(repository: key.repository, number: key.pr), message: "\(error)"))
                    }
                }
                if closed[id] == true {
                    report.findings.append(OrphanFinding(resource: resource, reason: .pullRequestClosed, age: age, outcome: outcome, recordedNode: node))
                }
            }
        }
        report.findings.sort(by: Self.reportOrder)
        let judged = Set(report.findings.map { SweepGroup($0).key })
        report.records = records.filter { judged.contains($0.key) }
        return report
    }

    /// `find`, then `apply` when asked.
    public func run(olderThan: TimeInterval, apply: Bool) async throws -> OrphanReport {
        let report = try await find(olderThan: olderThan)
        return apply ? try await self.apply(report) : report
    }

    struct Scan {
        var resources: [DiscoveredResource] = []
        var problems: [SweepProblem] = []
        var scanned: [ResourceType: Int] = [:]
    }

    /// Every discovery at once; each failure is one problem, named by type, and so is each skipped entry.
    func discoverAll(_ query: DiscoveryQuery) async throws -> Scan {
        let outcomes = await withTaskGroup(of: (Int, Result<DiscoveryResult, any Error>).self) { group in
            for (index, discovery) in discoveries.enumerated() {
                group.addTask {
                    do { return (index, .success(try await discovery.discover(query))) } catch { return (index, .failure(error)) }
                }
            }
            var all: [(Int, Result<DiscoveryResult, any Error>)] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted { $0.0 < $1.0 }
        }
        var scan = Scan()
        for (index, outcome) in outcomes {
            let type = discoveries[index].type
            switch outcome {
            case .success(let found):
                // A discovery answers for its own type and this instance only; anything else is not ours to judge.
                let ours = found.resources.filter { $0.type == type && $0.tags[PrenvTag.instance] == query.instance }
                scan.resources += ours
                scan.scanned[type, default: 0] += ours.count
                scan.problems += found.skipped.map {
                    SweepProblem(source: .skippedEntry(type, identifier: $0.identifier), message: $0.reason)
                }
            case .failure(let error):
                if error is CancellationError { throw error }
                scan.problems.append(SweepProblem(source: .discovery(type), message: "\(error)"))
            }
        }
        return scan
    }

    static func reportOrder(_ lhs: OrphanFinding, _ rhs: OrphanFinding) -> Bool {
        let left = (lhs.environment.repository ?? "", Int(lhs.environment.pr ?? "") ?? 0, lhs.environment.blueprint ?? "", lhs.resource.type.rawValue)
        let right = (rhs.environment.repository ?? "", Int(rhs.environment.pr ?? "") ?? 0, rhs.environment.blueprint ?? "", rhs.resource.type.rawValue)
        return left != right ? left < right : lhs.resource.identifier < rhs.resource.identifier
    }
}
