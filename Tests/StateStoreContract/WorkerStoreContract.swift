import Blueprint
import Foundation
import Orchestrator
import Testing

/// What every `WorkerStore` must do: keep the newest revision per key, whatever order saves arrive in.
public enum WorkerStoreContract: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case emptyStore
    case roundTripsTheMachine
    case olderRevisionNeverReplacesNewer
    case listsSortedByKey
    case phaseNamesAreEachMachinesPhase
    case leaseKeysNeedingOwnerFollowTheMachines
    case workersOfOneRepositoryIgnoreCase

    public var testDescription: String { rawValue }

    public func run(on store: any WorkerStore) async throws {
        switch self {
        case .emptyStore:
            #expect(try await store.workers().isEmpty)
        case .roundTripsTheMachine:
            var record = Self.record(revision: 1)
            _ = record.machine.handle(.opened(PRSnapshot(repository: "acme/web", headSHA: "abc", sequence: 10), .provision))
            try await store.saveWorker(record)
            let stored = try await store.workers()
            #expect(stored == [record])
            #expect(stored.first?.machine.running == .apply(sha: "abc"))
        case .olderRevisionNeverReplacesNewer:
            try await store.saveWorker(Self.record(revision: 5, sha: "new"))
            try await store.saveWorker(Self.record(revision: 4, sha: "old"))
            try await store.saveWorker(Self.record(revision: 5, sha: "same-revision"))
            #expect(try await store.workers().map(\.pullRequest.headSHA) == ["new"])
            try await store.saveWorker(Self.record(revision: 6, sha: "newer"))
            #expect(try await store.workers().map(\.pullRequest.headSHA) == ["newer"])
        case .listsSortedByKey:
            for pr in [9, 2, 5] { try await store.saveWorker(Self.record(revision: 1, pr: pr)) }
            #expect(try await store.workers().map(\.key.pr) == [2, 5, 9])
        case .workersOfOneRepositoryIgnoreCase:
            // A push's targets: one repository's workers, named in any case, and no other's
            // (`acme/webapp` and `acme/we_` must not match as a prefix or a pattern would).
            for (repository, pr) in [("acme/web", 3), ("Acme/Web", 1), ("acme/webapp", 2), ("other/web", 4), ("acme/we_", 5), ("acme/we%", 6)] {
                var record = Self.record(revision: 1, pr: pr)
                record.key.repository = repository
                try await store.saveWorker(record)
            }
            let found = try await store.workers(repository: "ACME/web")
            #expect(found.map(\.key) == found.map(\.key).sorted())
            #expect(Set(found.map { "\($0.key.repository)#\($0.key.pr)" }) == ["acme/web#3", "Acme/Web#1"])
            #expect(try await store.workers(repository: "acme/we_").map(\.key.pr) == [5])
            #expect(try await store.workers(repository: "nobody/here").isEmpty)
        case .leaseKeysNeedingOwnerFollowTheMachines:
            // What the lone replica resumes, read from a column kept at every save: the newest
            // revision's machine decides, and one blueprint needing an owner is enough for the PR.
            #expect(try await store.leaseKeysNeedingOwner().isEmpty)
            let machines = Self.ownershipMachines()
            for (index, machine) in machines.enumerated() {
                var record = Self.record(revision: 1, pr: index + 1)
                record.machine = machine
                try await store.saveWorker(record)
            }
            var second = Self.record(revision: 1, pr: 1)
            second.key.blueprint = "docs"
            second.machine = machines[0]
            try await store.saveWorker(second)
            // PR 20 needs an owner, then nobody; a late save of the older machine changes nothing.
            var open = Self.record(revision: 1, pr: 20)
            open.machine = machines[0]
            try await store.saveWorker(open)
            #expect(try await store.leaseKeysNeedingOwner().contains("acme/web#20"))
            var released = Self.record(revision: 2, pr: 20)
            released.machine = Self.closedAndGone()
            try await store.saveWorker(released)
            try await store.saveWorker(open)
            let expected = Set(try await store.workers().filter(\.machine.needsOwner).map(\.key.leaseKey))
            #expect(try await store.leaseKeysNeedingOwner() == expected)
            #expect(expected.contains("acme/web#1") && !expected.contains("acme/web#2") && !expected.contains("acme/web#20"),
                    "\(expected)")
        case .phaseNamesAreEachMachinesPhase:
            // What the gauge counts, read without decoding records in a database store; the newest
            // revision's phase, hostile reasons included.
            #expect(try await store.workerPhaseNames().isEmpty)
            var expected: [EnvironmentKey: String] = [:]
            for (index, phase) in Self.phases.enumerated() {
                var record = Self.record(revision: 1, pr: index + 1)
                record.machine = EnvironmentStateMachine(phase: phase)
                try await store.saveWorker(record)
                expected[record.key] = phase.name
            }
            var first = Self.record(revision: 1, pr: 20)
            first.machine = EnvironmentStateMachine(phase: .ready(sha: "abc"))
            try await store.saveWorker(first)
            var newer = Self.record(revision: 2, pr: 20)
            newer.machine = EnvironmentStateMachine(phase: .destroying)
            try await store.saveWorker(newer)
            var older = Self.record(revision: 1, pr: 20)
            older.machine = EnvironmentStateMachine(phase: .idle)
            try await store.saveWorker(older)
            expected[newer.key] = "destroying"
            let names = try await store.workerPhaseNames()
            #expect(names == expected)
            #expect(names == Dictionary(uniqueKeysWithValues: try await store.workers().map { ($0.key, $0.machine.phase.name) }))
            #expect(Set(names.values) == Set(Self.phases.map(\.name)))
        }
    }

    /// Machines that do and do not need an owner, one per reason the rule names.
    public static func ownershipMachines() -> [EnvironmentStateMachine] {
        var open = EnvironmentStateMachine()
        _ = open.handle(.opened(PRSnapshot(repository: "acme/web", headSHA: "abc", sequence: 10), .provision))
        var destroying = EnvironmentStateMachine(phase: .ready(sha: "abc"), hasRecordedResources: true)
        _ = destroying.handle(.closed(sequence: 20))
        let machines = [open, closedAndGone(), EnvironmentStateMachine(), destroying, closedAndGone()]
        precondition(Set(machines.map(\.needsOwner)) == [true, false], "both answers are covered")
        return machines
    }

    /// A closed PR whose environment never had resources: needs nobody.
    static func closedAndGone() -> EnvironmentStateMachine {
        var machine = EnvironmentStateMachine()
        _ = machine.handle(.closed(sequence: 5))
        return machine
    }

    /// Every phase, with reasons that look like JSON, SQL or the phase object itself.
    static let phases: [EnvironmentPhase] = [
        .idle, .provisioning(sha: "abc"), .ready(sha: "abc"), .destroying, .destroyed,
        .failed(sha: "abc", reason: "{\"ready\":{\"sha\":\"x\"}}'; DROP TABLE workers; --"), .skipped(reason: "\"idle\" ünïcödé\n\u{0}NUL from a build's output, and its text \\u0000 after a backslash\\"),
    ]

    public static func record(revision: Int64, pr: Int = 5, sha: String = "abc") -> WorkerRecord {
        let context = PRContext(owner: "acme", repository: "web", number: pr, headSHA: sha, headRef: "feature", baseRef: "main", author: "octocat")
        return WorkerRecord(
            key: EnvironmentKey(repository: "acme/web", pr: pr, blueprint: "webapp"), machine: EnvironmentStateMachine(),
            pullRequest: context, revision: revision, updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }
}
