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
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
