import Foundation
import Orchestrator
import Testing

/// The checks `EventInboxContract` names: appending, ordering and acknowledging, then housekeeping
/// (pruning), concurrency and faithful round trips.
extension EventInboxContract {
    static func emptyInbox(_ inbox: any EventInbox) async throws {
        #expect(try await inbox.pending(key: "acme/web#5").isEmpty)
        #expect(try await inbox.pendingKeys().isEmpty)
        try await inbox.markProcessed(key: "acme/web#5", through: 100)  // nothing to mark is fine
        #expect(try await inbox.prune(processedBefore: .distantFuture) == 0)
    }

    /// A mark past the newest delivery covers what is recorded, not what is appended after it.
    static func markProcessedCoversOnlyWhatIsRecorded(_ inbox: any EventInbox) async throws {
        try await inbox.markProcessed(key: "acme/web#5", through: .max)  // nothing recorded yet
        let first = try await EventInboxFixtures.append(inbox, "d-1").sequence
        try await inbox.markProcessed(key: "acme/web#5", through: first + 1000)
        #expect(try await inbox.pending(key: "acme/web#5").isEmpty)
        let later = try await EventInboxFixtures.append(inbox, "d-2").sequence
        #expect(try await inbox.pending(key: "acme/web#5").map(\.sequence) == [later])
        #expect(try await inbox.pendingKeys() == ["acme/web#5"])
    }

    /// A redelivery (same `X-GitHub-Delivery`) is reported with the first sequence and writes nothing.
    static func duplicateDelivery(_ inbox: any EventInbox) async throws {
        let first = try await EventInboxFixtures.append(inbox, "d-1", body: "opened")
        guard case let .recorded(sequence) = first else {
            Issue.record("first append not recorded: \(first)")
            return
        }
        let again = try await EventInboxFixtures.append(inbox, "d-1", key: "acme/api#9", body: "closed", seconds: 60)
        #expect(again == .duplicate(sequence: sequence))
        let pending = try await inbox.pending(key: "acme/web#5")
        #expect(pending.map(\.sequence) == [sequence])
        #expect(pending.first?.payload == EventInboxFixtures.payload("opened"))
        #expect(pending.first?.receivedAt == EventInboxFixtures.date)
        #expect(try await inbox.pending(key: "acme/api#9").isEmpty)
        // Still a duplicate once processed: a late redelivery must not run the event twice.
        try await inbox.markProcessed(key: "acme/web#5", through: sequence)
        #expect(try await EventInboxFixtures.append(inbox, "d-1") == .duplicate(sequence: sequence))
        #expect(try await inbox.pendingKeys().isEmpty)
    }

    static func sequencesStrictlyIncrease(_ inbox: any EventInbox) async throws {
        var sequences: [Int64] = []
        for index in 0..<20 {
            let key = index.isMultiple(of: 2) ? "acme/web#5" : "acme/api#5"
            sequences.append(try await EventInboxFixtures.append(inbox, "d-\(index)", key: key).sequence)
        }
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// acme/web#5 and acme/api#5 are two queues; each is returned oldest first, with every field.
    static func pendingIsPerKeyInOrder(_ inbox: any EventInbox) async throws {
        let plan = [("a", "acme/web#5"), ("b", "acme/api#5"), ("c", "acme/web#5"), ("d", "acme/api#5"), ("e", "acme/web#5")]
        var expected: [String: [InboxEvent]] = [:]
        for (offset, (id, key)) in plan.enumerated() {
            let result = try await EventInboxFixtures.append(inbox, id, key: key, body: id, seconds: Double(offset))
            expected[key, default: []].append(InboxEvent(
                deliveryID: id, contentKey: EventInboxFixtures.contentKey(id), event: "pull_request", key: key, payload: EventInboxFixtures.payload(id),
                receivedAt: EventInboxFixtures.date.addingTimeInterval(Double(offset)), sequence: result.sequence))
        }
        #expect(try await inbox.pending(key: "acme/web#5") == expected["acme/web#5"])
        #expect(try await inbox.pending(key: "acme/api#5") == expected["acme/api#5"])
        #expect(try await inbox.pending(key: "acme/web#50").isEmpty)
    }

    /// A worker that saw three pushes marks through the newest; other keys are untouched.
    static func markProcessedCoalesces(_ inbox: any EventInbox) async throws {
        let web = [
            try await EventInboxFixtures.append(inbox, "w1").sequence,
            try await EventInboxFixtures.append(inbox, "w2").sequence,
        ]
        let api = try await EventInboxFixtures.append(inbox, "a1", key: "acme/api#5").sequence
        let web3 = try await EventInboxFixtures.append(inbox, "w3").sequence
        try await inbox.markProcessed(key: "acme/web#5", through: web[1])
        #expect(try await inbox.pending(key: "acme/web#5").map(\.sequence) == [web3])
        #expect(try await inbox.pending(key: "acme/api#5").map(\.sequence) == [api])
        try await inbox.markProcessed(key: "acme/web#5", through: web3 + 1000)
        #expect(try await inbox.pending(key: "acme/web#5").isEmpty)
        #expect(try await inbox.pending(key: "acme/api#5").map(\.sequence) == [api])
        try await inbox.markProcessed(key: "acme/web#5", through: web[0])  // going back un-marks nothing
        #expect(try await inbox.pending(key: "acme/web#5").isEmpty)
    }

    static func pendingKeysAreSorted(_ inbox: any EventInbox) async throws {
        for (index, key) in ["zeta/app#1", "acme/web#10", "acme/web#9", "Acme/web#2", "acme/web#10"].enumerated() {
            try await EventInboxFixtures.append(inbox, "k\(index)", key: key)
        }
        #expect(try await inbox.pendingKeys() == ["Acme/web#2", "acme/web#10", "acme/web#9", "zeta/app#1"])
        try await inbox.markProcessed(key: "acme/web#10", through: .max)
        #expect(try await inbox.pendingKeys() == ["Acme/web#2", "acme/web#9", "zeta/app#1"])
    }

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
                deliveryID: "b\(index) \u{0}'\"", contentKey: "c\(index) \u{0}'\"", event: "push", key: "k'\"\\", payload: body, receivedAt: date)
        }
        let pending = try await inbox.pending(key: "k'\"\\")
        #expect(pending.map(\.payload) == bodies)
        #expect(pending.map(\.deliveryID) == bodies.indices.map { "b\($0) \u{0}'\"" })
        #expect(pending.map(\.contentKey) == bodies.indices.map { "c\($0) \u{0}'\"" })
        #expect(pending.allSatisfy { abs($0.receivedAt.timeIntervalSince(date)) < 0.001 && $0.event == "push" })
    }

    /// Headers are `pending` without the payloads, lengths included; `payloads` reads those asked
    /// for among the key's unprocessed events and nothing else (another key's, a processed one's).
    static func headersAndPayloadsAgreeWithPending(_ inbox: any EventInbox) async throws {
        let bodies = [Data("{}".utf8), Data(), Data([0, 0xFF, 0xFE, 0, 0x80]), Data(repeating: 0x41, count: 1 << 16)]
        var sequences: [Int64] = []
        for (index, body) in bodies.enumerated() {
            let result = try await inbox.append(deliveryID: "h\(index)", contentKey: "hc\(index)", event: "pull_request", key: "k'\"",
                                                payload: body, receivedAt: EventInboxFixtures.date)
            sequences.append(result.sequence)
        }
        let other = try await EventInboxFixtures.append(inbox, "elsewhere", key: "other#1")
        try await inbox.markProcessed(key: "k'\"", through: sequences[0])

        let pending = try await inbox.pending(key: "k'\"")
        let headers = try await inbox.pendingHeaders(key: "k'\"")
        #expect(headers == pending.map(InboxEventHeader.init))
        #expect(headers.map(\.payloadBytes) == [0, 5, 1 << 16], "an empty payload's length too")
        #expect(try await inbox.pendingHeaders(key: "nobody#1").isEmpty)

        let asked = [sequences[0], sequences[1], sequences[3], other.sequence, 999_999]
        let payloads = try await inbox.payloads(key: "k'\"", sequences: asked)
        #expect(payloads == [sequences[1]: bodies[1], sequences[3]: bodies[3]])
        #expect(try await inbox.payloads(key: "k'\"", sequences: []).isEmpty)
    }
}
