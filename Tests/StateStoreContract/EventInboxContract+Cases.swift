import Foundation
import Orchestrator
import Testing

extension EventInboxContract {
    static func emptyInbox(_ inbox: any EventInbox) async throws {
        #expect(try await inbox.pending(key: "acme/web#5").isEmpty)
        #expect(try await inbox.pendingKeys().isEmpty)
        try await inbox.markProcessed(key: "acme/web#5", through: 100)  // nothing to mark is fine
        #expect(try await inbox.prune(processedBefore: .distantFuture) == 0)
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
                deliveryID: id, event: "pull_request", key: key, payload: EventInboxFixtures.payload(id),
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
}
