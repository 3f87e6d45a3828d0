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
        }
    }

    public static func record(revision: Int64, pr: Int = 5, sha: String = "abc") -> WorkerRecord {
        let context = PRContext(owner: "acme", repository: "web", number: pr, headSHA: sha, headRef: "feature", baseRef: "main", author: "octocat")
        return WorkerRecord(
            key: EnvironmentKey(repository: "acme/web", pr: pr, blueprint: "webapp"), machine: EnvironmentStateMachine(),
            pullRequest: context, revision: revision, updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }
}
