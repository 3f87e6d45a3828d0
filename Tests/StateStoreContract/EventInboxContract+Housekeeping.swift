import Foundation
import Orchestrator
import Testing

extension EventInboxContract {
    /// Only processed events received before the cut-off go; pending ones stay however old.
    static func pruneDeletesOnlyOldProcessed(_ inbox: any EventInbox) async throws {
        let old = try await EventInboxFixtures.append(inbox, "old", seconds: 0).sequence
        let recent = try await EventInboxFixtures.append(inbox, "recent", seconds: 100).sequence
        let oldPending = try await EventInboxFixtures.append(inbox, "old-pending", key: "acme/api#5", seconds: 0).sequence
        try await inbox.markProcessed(key: "acme/web#5", through: recent)
        let cutoff = EventInboxFixtures.date.addingTimeInterval(50)
        #expect(try await inbox.prune(processedBefore: cutoff) == 1)
        #expect(try await inbox.prune(processedBefore: cutoff) == 0)
        #expect(try await inbox.pending(key: "acme/api#5").map(\.sequence) == [oldPending])
        #expect(try await inbox.prune(processedBefore: .distantFuture) == 1)
        #expect(try await inbox.pendingKeys() == ["acme/api#5"])
        // Sequence numbers are never reused after a prune.
        #expect(try await EventInboxFixtures.append(inbox, "later").sequence > max(old, recent, oldPending))
    }

    /// 200 concurrent appends, 50 of them redeliveries of ids also in flight: 150 recorded, each
    /// once, and every duplicate reports the sequence its delivery was recorded under.
    static func concurrentAppends(_ inbox: any EventInbox) async throws {
        let ids = (0..<150).map { "delivery-\($0)" } + (0..<50).map { "delivery-\($0 * 3)" }
        let results = try await withThrowingTaskGroup(of: (String, InboxAppendResult).self) { group in
            for (index, id) in ids.enumerated() {
                group.addTask {
                    (id, try await EventInboxFixtures.append(inbox, id, key: "acme/web#\(index % 4)", body: id))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let recorded = results.filter { if case .recorded = $0.1 { true } else { false } }
        #expect(recorded.count == 150)
        #expect(Set(recorded.map(\.0)).count == 150)
        let sequenceByID = Dictionary(uniqueKeysWithValues: recorded.map { ($0.0, $0.1.sequence) })
        for (id, result) in results where result != .recorded(sequence: result.sequence) {
            #expect(result == .duplicate(sequence: sequenceByID[id] ?? -1))
        }
        var pending: [InboxEvent] = []
        for key in try await inbox.pendingKeys() { pending += try await inbox.pending(key: key) }
        #expect(pending.count == 150)
        #expect(Set(pending.map(\.deliveryID)) == Set(ids))
        #expect(pending.allSatisfy { $0.payload == EventInboxFixtures.payload($0.deliveryID) })
        #expect(Set(pending.map(\.sequence)) == Set(sequenceByID.values))
    }

    /// Raw bodies come back byte for byte (NULs, invalid UTF-8, empty), dates to the millisecond.
    static func payloadBytesAndDatesRoundTrip(_ inbox: any EventInbox) async throws {
        let bodies = [Data(), Data([0, 0xFF, 0xFE, 0, 0x80]), Data("'; DROP TABLE x; --\u{0}é🙂".utf8),
                      Data(repeating: 0x41, count: 1 << 20)]
        let date = Date(timeIntervalSince1970: 1_700_000_000.123_456)
        for (index, body) in bodies.enumerated() {
            _ = try await inbox.append(
                deliveryID: "b\(index) \u{0}'\"", event: "push", key: "k'\"\\", payload: body, receivedAt: date)
        }
        let pending = try await inbox.pending(key: "k'\"\\")
        #expect(pending.map(\.payload) == bodies)
        #expect(pending.map(\.deliveryID) == bodies.indices.map { "b\($0) \u{0}'\"" })
        #expect(pending.allSatisfy { abs($0.receivedAt.timeIntervalSince(date)) < 0.001 && $0.event == "push" })
    }
}
