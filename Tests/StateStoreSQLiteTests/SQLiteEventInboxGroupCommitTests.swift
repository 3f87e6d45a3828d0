import Foundation
import Orchestrator
import StateStoreContract
@testable import StateStoreSQLite
import Testing

/// Group commit: a burst of appends shares fsyncs, and every append still gets its own answer.
@Suite struct SQLiteEventInboxGroupCommitTests {
    @Test func aBurstOfAppendsSharesCommitsAndEachIsRecordedOnce() async throws {
        try await withTemporaryDirectory { directory in
            let inbox = try SQLiteEventInbox(path: directory + "/state.sqlite")
            let appends = 200
            let results = try await withThrowingTaskGroup(of: InboxAppendResult.self) { group in
                for index in 0..<appends {
                    // Every tenth delivery is sent twice (a redelivery racing its original).
                    let id = "d-\(index % 10 == 0 ? 0 : index)"
                    group.addTask { try await EventInboxFixtures.append(inbox, id, key: "acme/web#\(index % 7)") }
                }
                var all: [InboxAppendResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            let recorded = results.filter { if case .recorded = $0 { true } else { false } }
            #expect(recorded.count == appends - 19, "d-0 is recorded once and answered as a duplicate 19 times")
            #expect(Set(recorded.map(\.sequence)).count == recorded.count)
            let commits = await inbox.groupCommits
            #expect(commits < appends, "\(commits) commits for \(appends) appends: nothing was grouped")
            let pending = try await (0..<7).asyncMap { try await inbox.pending(key: "acme/web#\($0)").count }
            #expect(pending.reduce(0, +) == appends - 19)
        }
    }

    /// Workers marking events processed while deliveries arrive share the deliveries' commits.
    @Test func markingProcessedJoinsTheAppendsCommits() async throws {
        try await withTemporaryDirectory { directory in
            let inbox = try SQLiteEventInbox(path: directory + "/state.sqlite")
            var sequences: [String: Int64] = [:]
            for index in 0..<100 {
                let key = "acme/web#\(index)"
                sequences[key] = try await EventInboxFixtures.append(inbox, "first-\(index)", key: key).sequence
            }
            let before = await inbox.groupCommits
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    let key = "acme/web#\(index)"
                    let sequence = try #require(sequences[key])
                    group.addTask { try await inbox.markProcessed(key: key, through: sequence) }
                    group.addTask { _ = try await EventInboxFixtures.append(inbox, "second-\(index)", key: key) }
                }
                try await group.waitForAll()
            }
            let commits = await inbox.groupCommits - before
            #expect(commits < 100, "\(commits) commits for 100 appends and 100 marks: nothing was grouped")
            for index in 0..<100 {
                let pending = try await inbox.pending(key: "acme/web#\(index)")
                #expect(pending.map(\.deliveryID) == ["second-\(index)"])
            }
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
