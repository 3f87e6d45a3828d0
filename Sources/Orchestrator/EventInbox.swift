import Foundation

/// One GitHub webhook delivery as the inbox recorded it.
///
/// The JSON payload is kept, not a parsed model, so a worker built by a later prenv can re-read
/// events recorded by this one.
public struct InboxEvent: Sendable, Hashable, Codable {
    /// `X-GitHub-Delivery`: GitHub's idempotency key for a delivery (redeliveries reuse it).
    public var deliveryID: String
    /// What the delivery says, hashed by the caller (see `append`): the same content under a fresh
    /// delivery id is a replay, recorded once.
    public var contentKey: String
    /// `X-GitHub-Event`, e.g. `pull_request`.
    public var event: String
    /// The per-PR ordering key, e.g. `acme/webapp#5`; the caller decides its shape.
    public var key: String
    /// The JSON payload: the request body as received, or the decoded `payload=` field of a
    /// form-encoded delivery (the HMAC was verified over the raw form body before recording).
    public var payload: Data
    public var receivedAt: Date
    /// Assigned by the inbox: strictly increasing in arrival order, across all keys.
    public var sequence: Int64

    public init(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date,
                sequence: Int64) {
        self.deliveryID = deliveryID
        self.contentKey = contentKey
        self.event = event
        self.key = key
        self.payload = payload
        self.receivedAt = receivedAt
        self.sequence = sequence
    }
}

/// An unprocessed event without its payload (`EventInbox.pendingHeaders`): enough for a worker to
/// find the event it already holds decoded from intake (`DecodedEvents`), so only the others' bodies
/// (about 25 KB each) are read back.
public struct InboxEventHeader: Sendable, Hashable {
    public var deliveryID: String
    public var contentKey: String
    public var event: String
    public var key: String
    /// The payload's length in bytes.
    public var payloadBytes: Int
    public var receivedAt: Date
    public var sequence: Int64

    public init(deliveryID: String, contentKey: String, event: String, key: String, payloadBytes: Int, receivedAt: Date,
                sequence: Int64) {
        self.deliveryID = deliveryID
        self.contentKey = contentKey
        self.event = event
        self.key = key
        self.payloadBytes = payloadBytes
        self.receivedAt = receivedAt
        self.sequence = sequence
    }

    public init(_ event: InboxEvent) {
        self.init(deliveryID: event.deliveryID, contentKey: event.contentKey, event: event.event, key: event.key,
                  payloadBytes: event.payload.count, receivedAt: event.receivedAt, sequence: event.sequence)
    }
}

extension InboxEvent {
    public init(_ header: InboxEventHeader, payload: Data) {
        self.init(deliveryID: header.deliveryID, contentKey: header.contentKey, event: header.event, key: header.key,
                  payload: payload, receivedAt: header.receivedAt, sequence: header.sequence)
    }
}

/// What `append` did: either way the caller answers 202, since GitHub already has its delivery.
public enum InboxAppendResult: Sendable, Equatable {
    /// Newly recorded under `sequence`.
    case recorded(sequence: Int64)
    /// The delivery id or the content key was seen before (a redelivery, or a replay under a fresh
    /// id); nothing was written, and `sequence` is the first recording's, whose payload is kept.
    case duplicate(sequence: Int64)

    public var sequence: Int64 {
        switch self {
        case let .recorded(sequence), let .duplicate(sequence): sequence
        }
    }
}

/// The durable webhook intake: `prenv serve` verifies the HMAC, then `append`s, then answers 202,
/// so a delivery GitHub saw accepted survives a crash (GitHub does not retry on its own). Per-PR
/// workers take `pending(key:)` oldest first and `markProcessed` when done; after a restart,
/// `pendingKeys()` says which workers to resume.
///
/// Defined here, where it is used; the SQLite implementation (and any other backend) lives in its
/// own target and shares the `EventInboxContract` test suite.
public protocol EventInbox: Sendable {
    /// Durably records a delivery (committed before returning) unless its `deliveryID` or its
    /// `contentKey` was seen before. Delivery ids alone cannot stop a replay: anyone holding a
    /// signed body can send it again under a new `X-GitHub-Delivery`, which the HMAC does not
    /// cover. The content key (the caller's hash of what the event says) is unique like the id, so
    /// concurrent replays are recorded once.
    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date)
        async throws -> InboxAppendResult
    /// Unprocessed events of one key, oldest first.
    func pending(key: String) async throws -> [InboxEvent]
    /// `pending(key:)` without the payloads, which `payloads(key:sequences:)` reads for the events
    /// the caller does not hold decoded already.
    func pendingHeaders(key: String) async throws -> [InboxEventHeader]
    /// The payloads of `key`'s unprocessed events among `sequences`, by sequence.
    func payloads(key: String, sequences: [Int64]) async throws -> [Int64: Data]
    /// Keys that have unprocessed events (for resuming after a crash), sorted.
    func pendingKeys() async throws -> [String]
    /// Marks events up to and including `sequence` of `key` as processed (a worker coalesces
    /// superseded ones: two pushes queued behind an apply need only the newest head SHA).
    func markProcessed(key: String, through sequence: Int64) async throws
    /// Deletes processed events older than `date` (housekeeping); returns how many.
    func prune(processedBefore date: Date) async throws -> Int
}

extension EventInbox {
    /// Through `pending(key:)`, reading every payload: right where reading them costs little (in
    /// memory); the database inboxes leave the payloads where they are.
    public func pendingHeaders(key: String) async throws -> [InboxEventHeader] {
        try await pending(key: key).map(InboxEventHeader.init)
    }

    /// Through `pending(key:)`.
    public func payloads(key: String, sequences: [Int64]) async throws -> [Int64: Data] {
        let wanted = Set(sequences)
        var payloads: [Int64: Data] = [:]
        for event in try await pending(key: key) where wanted.contains(event.sequence) { payloads[event.sequence] = event.payload }
        return payloads
    }
}

/// An inbox in memory: for tests and `--dry-run`, and the reference the contract is checked
/// against. An actor, so concurrent appends of one delivery id or content cannot both be recorded.
public actor InMemoryEventInbox: EventInbox {
    /// Every kept event, in sequence order (appends only ever add at the end).
    private var events: [InboxEvent] = []
    private var processed: Set<Int64> = []
    private var sequenceByDelivery: [String: Int64] = [:]
    private var sequenceByContent: [String: Int64] = [:]
    /// Never reused, even after `prune`, like SQLite's `AUTOINCREMENT`.
    private var lastSequence: Int64 = 0

    public init() {}

    public func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data,
                       receivedAt: Date) -> InboxAppendResult
    {
        if let existing = sequenceByDelivery[deliveryID] ?? sequenceByContent[contentKey] {
            return .duplicate(sequence: existing)
        }
        lastSequence += 1
        sequenceByDelivery[deliveryID] = lastSequence
        sequenceByContent[contentKey] = lastSequence
        events.append(InboxEvent(
            deliveryID: deliveryID, contentKey: contentKey, event: event, key: key, payload: payload,
            receivedAt: receivedAt, sequence: lastSequence))
        return .recorded(sequence: lastSequence)
    }

    public func pending(key: String) -> [InboxEvent] {
        events.filter { $0.key == key && !processed.contains($0.sequence) }
    }

    public func pendingKeys() -> [String] {
        Set(events.lazy.filter { !self.processed.contains($0.sequence) }.map(\.key)).sorted()
    }

    public func markProcessed(key: String, through sequence: Int64) {
        for event in events where event.key == key && event.sequence <= sequence {
            processed.insert(event.sequence)
        }
    }

    /// Pruned delivery ids and content keys are forgotten too, as in SQLite where the row holds
    /// them: by then GitHub's redelivery window has long passed, and a replay that old carries an
    /// `updated_at` the PR's state machine already moved past.
    public func prune(processedBefore date: Date) -> Int {
        let (gone, kept) = events.reduce(into: ([InboxEvent](), [InboxEvent]())) { split, event in
            if processed.contains(event.sequence) && event.receivedAt < date {
                split.0.append(event)
            } else {
                split.1.append(event)
            }
        }
        events = kept
        for event in gone {
            processed.remove(event.sequence)
            sequenceByDelivery[event.deliveryID] = nil
            sequenceByContent[event.contentKey] = nil
        }
        return gone.count
    }
}
