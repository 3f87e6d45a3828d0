import Foundation
import Orchestrator
import Testing

/// Replays: a signed body sent again under a fresh `X-GitHub-Delivery` carries the content key of
/// its first recording, and the inbox records it once, even when the copies race.
extension EventInboxContract {
    /// The replay is a duplicate of the first recording (its sequence, its payload), before and
    /// after that one is processed; other content under a fresh id is still recorded.
    static func replayedContent(_ inbox: any EventInbox) async throws {
        let first = try await EventInboxFixtures.append(inbox, "d-1", content: "reopened@12:00:00", body: "reopened")
        guard case let .recorded(sequence) = first else {
            Issue.record("first append not recorded: \(first)")
            return
        }
        let replay = try await EventInboxFixtures.append(inbox, "d-2", content: "reopened@12:00:00", body: "replayed", seconds: 5)
        #expect(replay == .duplicate(sequence: sequence))
        let pending = try await inbox.pending(key: "acme/web#5")
        #expect(pending.map(\.deliveryID) == ["d-1"])
        #expect(pending.first?.payload == EventInboxFixtures.payload("reopened"))
        try await inbox.markProcessed(key: "acme/web#5", through: sequence)
        #expect(try await EventInboxFixtures.append(inbox, "d-3", content: "reopened@12:00:00") == .duplicate(sequence: sequence))
        #expect(try await inbox.pendingKeys().isEmpty)
        // A fresh id with fresh content is a new event; and the replay's id was never recorded.
        let next = try await EventInboxFixtures.append(inbox, "d-2", content: "closed@12:00:00", body: "closed")
        #expect(next == .recorded(sequence: next.sequence) && next.sequence > sequence)
        #expect(try await inbox.pending(key: "acme/web#5").map(\.deliveryID) == ["d-2"])
    }

    /// 120 concurrent appends, each with its own delivery id, carrying 30 contents four times
    /// each: 30 recorded, and every copy reports its content's recorded sequence.
    static func concurrentReplays(_ inbox: any EventInbox) async throws {
        let plan = (0..<120).map { (id: "delivery-\($0)", content: "content-\($0 % 30)") }
        let results = try await withThrowingTaskGroup(of: (String, InboxAppendResult).self) { group in
            for item in plan {
                group.addTask {
                    (item.content, try await EventInboxFixtures.append(inbox, item.id, content: item.content, body: item.content))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let recorded = results.filter { if case .recorded = $0.1 { true } else { false } }
        #expect(recorded.count == 30)
        let sequenceByContent = Dictionary(recorded.map { ($0.0, $0.1.sequence) }, uniquingKeysWith: { first, _ in first })
        #expect(sequenceByContent.count == 30)
        for (content, result) in results where result != .recorded(sequence: result.sequence) {
            #expect(result == .duplicate(sequence: sequenceByContent[content] ?? -1))
        }
        let pending = try await inbox.pending(key: "acme/web#5")
        #expect(pending.count == 30)
        #expect(Set(pending.map(\.contentKey)) == Set(sequenceByContent.keys))
        #expect(pending.allSatisfy { $0.payload == EventInboxFixtures.payload($0.contentKey) })
    }
}
