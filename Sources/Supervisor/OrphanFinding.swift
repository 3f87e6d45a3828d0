import Blueprint
import Foundation
import Orchestrator

/// Why a resource tagged for this instance is an orphan.
public enum OrphanReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// No record of its environment at all (state lost, restored from an old backup, a crash
    /// between create and record).
    case noEnvironment = "no-environment"
    /// Its environment is recorded, but no live node of the record is this resource (the node is
    /// deleted, the record destroyed, or the record is of a different `env.name`).
    case environmentDestroyed = "environment-destroyed"
    /// Recorded and live, but GitHub says the pull request is closed (a lost `closed` webhook).
    case pullRequestClosed = "pull-request-closed"

    /// For the REASON column and log lines.
    public var explanation: String {
        switch self {
        case .noEnvironment: "no environment recorded"
        case .environmentDestroyed: "environment destroyed"
        case .pullRequestClosed: "pull request closed on GitHub"
        }
    }
}

/// The environment a resource's tags name. Tags are read back from AWS and may be missing,
/// malformed or hostile; show them through `TagText.printable`.
public struct TaggedEnvironment: Sendable, Hashable, Codable {
    public var repository: String?
    /// `prenv:pr` as written (it may not be a number).
    public var pr: String?
    public var blueprint: String?
    /// `prenv:env`: the `env.name` the resource was made for.
    public var envName: String?
    /// `prenv:node`: the blueprint resource id it was made for.
    public var node: String?

    public init(tags: [String: String]) {
        repository = tags[PrenvTag.repository]
        pr = tags[PrenvTag.pr]
        blueprint = tags[PrenvTag.blueprint]
        envName = tags[PrenvTag.environment]
        node = tags[PrenvTag.node]
    }

    /// The environment key, when repository, a positive PR number and blueprint are all tagged.
    public var key: EnvironmentKey? {
        guard let repository, let blueprint, let number = pr.flatMap({ Int($0) }), number > 0 else { return nil }
        return EnvironmentKey(repository: repository, pr: number, blueprint: blueprint)
    }

    /// `owner/name#5/webapp env-name`, each part escaped; `?` for a missing tag.
    public var printable: String {
        let part = { (value: String?) in value.map(TagText.printable) ?? "?" }
        return "\(part(repository))#\(part(pr))/\(part(blueprint)) \(part(envName))"
    }
}

/// Why a sweep left an orphan in place.
public enum SpareReason: Sendable, Hashable {
    /// Younger than `--older-than`: it may still be on its way into a record.
    case tooYoung
    /// AWS did not say when it was made, so it cannot be shown to be old enough (see `OrphanSweep`).
    case ageUnknown
    /// The discovery of this type failed or skipped an entry it could not read, and a resource of
    /// that type may still depend on this one.
    case discoveryFailed(ResourceType)
    /// Its environment's worker (`prenv serve`) is running an operation or wants the environment
    /// (open PR): the worker decides, not the sweep.
    case busy
    /// A PR-closed environment in `prenv serve`: the supervisor's PR check tears it down.
    case leftToPullRequestCheck
    /// No record holds it, but GitHub says its PR is open (`prenv serve` after a lost state): the
    /// PR's worker, given back by the open-PR listing, adopts it rather than have it rebuilt.
    case pullRequestOpen
    /// GitHub could not say whether its PR is open: nothing is deleted on a doubt.
    case pullRequestUnknown
    /// The record changed between the scan and the deletion; the next sweep looks again.
    case recordChanged
    /// Kept because something that depends on it could not be deleted.
    case dependentKept([String])

    /// For a terminal or a log line: the node ids (`prenv:node` tags, hostile) escaped.
    public var description: String { describe(TagText.printable) }

    /// The text, with each node id shown by `show` (`/api/orphans` masks them before escaping).
    public func describe(_ show: (String) -> String) -> String {
        switch self {
        case .tooYoung: "too young"
        case .ageUnknown: "age unknown"
        case .discoveryFailed(let type): "\(type.rawValue) could not be fully listed, and one may depend on it"
        case .busy: "its environment's worker is acting on it or wants it"
        case .leftToPullRequestCheck: "left to the pull request check"
        case .pullRequestOpen: "its pull request is open: left for its worker to adopt"
        case .pullRequestUnknown: "GitHub could not say whether its pull request is open"
        case .recordChanged: "its record changed since the scan"
        case .dependentKept(let nodes): "kept for \(nodes.map(show).joined(separator: ", ")), which depends on it"
        }
    }
}

/// Where a finding stands.
public enum OrphanOutcome: Sendable, Hashable {
    /// An orphan a dry run reports (and `--apply` would delete).
    case found
    case spared(SpareReason)
    case deleted
    /// The delete failed; the error's description (it may carry AWS's text).
    case failed(String)

    /// `found`, `spared`, `deleted`, `failed`: the OUTCOME column and the JSON's `outcome`.
    public var name: String {
        switch self {
        case .found: "found"
        case .spared: "spared"
        case .deleted: "deleted"
        case .failed: "failed"
        }
    }

    /// Why it was spared, or what failed.
    public var detail: String? {
        switch self {
        case .found, .deleted: nil
        case .spared(let reason): reason.description
        case .failed(let error): error
        }
    }
}

/// One resource tagged for this instance that no live record accounts for (or whose PR is closed).
public struct OrphanFinding: Sendable {
    public var resource: DiscoveredResource
    public var environment: TaggedEnvironment
    public var reason: OrphanReason
    /// Seconds since `createdAt` at the scan; nil when AWS did not say.
    public var age: TimeInterval?
    public var outcome: OrphanOutcome
    /// The record node that is this resource (only for `pullRequestClosed`: the record is destroyed).
    public var recordedNode: String?

    public init(resource: DiscoveredResource, reason: OrphanReason, age: TimeInterval?, outcome: OrphanOutcome = .found, recordedNode: String? = nil) {
        self.resource = resource
        self.environment = TaggedEnvironment(tags: resource.tags)
        self.reason = reason
        self.age = age
        self.outcome = outcome
        self.recordedNode = recordedNode
    }

    /// Whether it counts as an orphan: everything but what is too young to judge.
    public var isOrphan: Bool { outcome != .spared(.tooYoung) }
}

/// Something that kept a sweep from seeing everything.
public struct SweepProblem: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// A discovery failed: that type was not listed, so nothing of it is reported.
        case discovery(ResourceType)
        /// A discovery could not read one entry (`SkippedEntry`): what it found of the type is
        /// reported, but the list is not known to be complete. `identifier` is AWS's or a build's text.
        case skippedEntry(ResourceType, identifier: String)
        /// GitHub could not say whether a PR is closed: its resources are not counted as orphans.
        case pullRequest(repository: String, number: Int)
    }

    public var source: Source
    public var message: String

    public init(source: Source, message: String) {
        self.source = source
        self.message = message
    }

    /// `discovery of aws/codepipeline`, `discovery of aws/s3-prefix at s3://bucket/key`, `pull request
    /// acme/webapp#3`: for a terminal or a log line, escaped.
    public var subject: String { describeSubject(TagText.printable) }

    /// The subject, with a skipped entry's identifier shown by `show` (`/api/orphans` masks it
    /// before escaping).
    public func describeSubject(_ show: (String) -> String) -> String {
        switch source {
        case .discovery(let type): "discovery of \(type.rawValue)"
        case .skippedEntry(let type, let identifier): "discovery of \(type.rawValue) at \(show(identifier))"
        case .pullRequest(let repository, let number): "pull request \(TagText.printable(repository))#\(number)"
        }
    }

    /// Whether the sweep is incomplete: a type was not listed at all.
    public var isDiscoveryFailure: Bool {
        if case .discovery = source { true } else { false }
    }

    /// Whether a discovery skipped an entry: its type was listed, but not completely.
    public var isSkippedEntry: Bool {
        if case .skippedEntry = source { true } else { false }
    }

    /// The type a discovery failure or skipped entry leaves incompletely listed.
    public var incompleteType: ResourceType? {
        switch source {
        case .discovery(let type), .skippedEntry(let type, _): type
        case .pullRequest: nil
        }
    }
}

/// What one sweep found and, after `apply`, did.
public struct OrphanReport: Sendable {
    public var sweptAt: Date
    public var olderThan: TimeInterval
    /// Whether `apply` ran (outcomes are then `deleted`, `failed` or `spared`).
    public var applied: Bool
    /// Sorted by environment, then type, then identifier.
    public var findings: [OrphanFinding]
    public var problems: [SweepProblem]
    /// How many resources each discovery found, orphaned or not.
    public var scanned: [ResourceType: Int]
    /// The records of the findings' environments as the findings were judged against them (absent:
    /// none was recorded). `apply` deletes an environment's orphans only while its record is still
    /// exactly this one: a worker that started since may be adopting them.
    public var records: [EnvironmentKey: EnvironmentRecord]

    public init(sweptAt: Date, olderThan: TimeInterval, applied: Bool = false, findings: [OrphanFinding] = [],
                problems: [SweepProblem] = [], scanned: [ResourceType: Int] = [:], records: [EnvironmentKey: EnvironmentRecord] = [:]) {
        self.sweptAt = sweptAt
        self.olderThan = olderThan
        self.applied = applied
        self.findings = findings
        self.problems = problems
        self.scanned = scanned
        self.records = records
    }

    public var orphans: [OrphanFinding] { findings.filter(\.isOrphan) }
    /// The types whose discovery failed as a whole: nothing of them is reported.
    public var failedDiscoveries: [ResourceType] {
        problems.compactMap { if case .discovery(let type) = $0.source { type } else { nil } }
    }
    /// The types not completely listed (failed, or an entry skipped), each once: what a resource of
    /// one of them may depend on is never deleted, since an unseen one may still need it.
    public var incompleteDiscoveries: [ResourceType] {
        var seen = Set<ResourceType>()
        return problems.compactMap(\.incompleteType).filter { seen.insert($0).inserted }
    }
    /// Orphans still in AWS after this sweep (all of them after a dry run).
    public var remaining: Int { orphans.filter { $0.outcome != .deleted }.count }
}
