import Foundation
import Orchestrator
import Testing

/// What every `EventInbox` backend must do, run like `StateStoreContract`: one parameterised test
/// over `allCases`, each check on a fresh, empty inbox.
///
///     @Test(arguments: EventInboxContract.allCases)
///     func contract(_ check: EventInboxContract) async throws {
///         try await check.run(on: MyInbox())
///     }
public enum EventInboxContract: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case emptyInbox
    case duplicateDeliveryKeepsFirstSequenceAndPayload
    case sequencesStrictlyIncrease
    case pendingIsPerKeyInOrder
    case markProcessedCoalesces
    case markProcessedCoversOnlyWhatIsRecorded
    case pendingKeysAreSorted
    case pruneDeletesOnlyOldProcessed
    case concurrentAppendsRecordEachDeliveryOnce
    case payloadBytesAndDatesRoundTrip
    case replayedContentUnderAFreshDeliveryIDIsADuplicate
    case concurrentReplaysRecordEachContentOnce
    case headersAndPayloadsAgreeWithPending

    public var testDescription: String { rawValue }

    public func run(on inbox: any EventInbox) async throws {
        switch self {
        case .emptyInbox: try await Self.emptyInbox(inbox)
        case .duplicateDeliveryKeepsFirstSequenceAndPayload: try await Self.duplicateDelivery(inbox)
        case .sequencesStrictlyIncrease: try await Self.sequencesStrictlyIncrease(inbox)
        case .pendingIsPerKeyInOrder: try await Self.pendingIsPerKeyInOrder(inbox)
        case .markProcessedCoalesces: try await Self.markProcessedCoalesces(inbox)
        case .markProcessedCoversOnlyWhatIsRecorded: try await Self.markProcessedCoversOnlyWhatIsRecorded(inbox)
        case .pendingKeysAreSorted: try await Self.pendingKeysAreSorted(inbox)
        case .pruneDeletesOnlyOldProcessed: try await Self.pruneDeletesOnlyOldProcessed(inbox)
        case .concurrentAppendsRecordEachDeliveryOnce: try await Self.concurrentAppends(inbox)
        case .payloadBytesAndDatesRoundTrip: try await Self.payloadBytesAndDatesRoundTrip(inbox)
        case .replayedContentUnderAFreshDeliveryIDIsADuplicate: try await Self.replayedContent(inbox)
        case .concurrentReplaysRecordEachContentOnce: try await Self.concurrentReplays(inbox)
        case .headersAndPayloadsAgreeWithPending: try await Self.headersAndPayloadsAgreeWithPending(inbox)
        }
    }

    /// Every check, each on an inbox of its own from `makeInbox`.
    public static func runAll(makeInbox: @Sendable () async throws -> any EventInbox) async throws {
        for check in allCases {
            try await check.run(on: try await makeInbox())
        }
    }
}

/// Deliveries for the checks: whole-second dates, JSON bodies like GitHub's.
public enum EventInboxFixtures {
    public static let date = Date(timeIntervalSince1970: 1_700_000_000)

    public static func payload(_ text: String) -> Data { Data("{\"action\":\"\(text)\"}".utf8) }

    /// The content key a check uses unless it names one: distinct per delivery id, so only the
    /// replay checks share content between deliveries.
    public static func contentKey(_ id: String) -> String { "content-of-\(id)" }

    /// Appends delivery `id` (with `content`, else its own) for `key`, `seconds` after `date`, and
    /// returns what the inbox said.
    @discardableResult
    public static func append(
        _ inbox: any EventInbox, _ id: String, content: String? = nil, key: String = "acme/web#5",
        body: String = "synchronize", seconds: TimeInterval = 0
    ) async throws -> InboxAppendResult {
        try await inbox.append(
            deliveryID: id, contentKey: content ?? contentKey(id), event: "pull_request", key: key, payload: payload(body),
            receivedAt: date.addingTimeInterval(seconds))
    }
}
