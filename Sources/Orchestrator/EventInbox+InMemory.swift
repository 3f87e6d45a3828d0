import Foundation

/// An inbox in memory: for tests and `--dry-run`, and the reference the contract is checked
/// against. An actor, so concurrent appends of one delivery id cannot both be recorded.
public actor InMemoryEventInbox: EventInbox {
    /// Every kept event, in sequence order (appends only ever add at the end).
    private var events: [InboxEvent] = []
    private var processed: Set<Int64> = []
    private var sequenceByDelivery: [String: Int64] = [:]
    /// Never reused, even after `prune`, like SQLite's `AUTOINCREMENT`.
    private var lastSequence: Int64 = 0

    public init() {}

    public func append(deliveryID: String, event: String, key: String, payload: Data, receivedAt: Date)
        -> InboxAppendResult
    {
        if let existing = sequenceByDelivery[deliveryID] { return .duplicate(sequence: existing) }
        lastSequence += 1
        sequenceByDelivery[deliveryID] = lastSequence
        events.append(InboxEvent(
            deliveryID: deliveryID, event: event, key: key, payload: payload, receivedAt: receivedAt,
            sequence: lastSequence))
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

    /// Pruned delivery ids are forgotten too, as in SQLite where the row holds the id: by then
    /// GitHub's redelivery window for them has long passed.
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
        }
        return gone.count
    }
}
