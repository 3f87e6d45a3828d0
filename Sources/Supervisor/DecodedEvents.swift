import Foundation
import GitHub
import Synchronization

/// `pull_request` events intake has just decoded, for the worker that drains them moments later,
/// so a delivery is read once, not twice (intake's and the worker's readings were a fifth of
/// `prenv serve`'s time under a burst: BENCHMARKS.md). Purely a shortcut: the inbox stays the
/// record, an event is used only when the recorded payload is byte for byte the one decoded (a
/// redelivery under a known id with another body is read from the inbox), and what is not taken
/// (another replica drains the PR, the worker fell behind) is dropped beyond `capacity`.
public final class DecodedEvents: Sendable {
    /// Enough for a burst the workers keep up with; each entry holds its payload (~25 KB).
    static let capacity = 128

    private struct Entry {
        var deliveryID: String
        var payload: Data
        var event: PullRequestEvent
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    func keep(_ event: PullRequestEvent, payload: Data, deliveryID: String) {
        entries.withLock { entries in
            entries.append(Entry(deliveryID: deliveryID, payload: payload, event: event))
            if entries.count > Self.capacity { entries.removeFirst(entries.count - Self.capacity) }
        }
    }

    /// The event decoded from exactly `payload` under `deliveryID`, removed; nil if none is kept.
    func take(deliveryID: String, payload: Data) -> PullRequestEvent? {
        entries.withLock { entries in
            guard let index = entries.lastIndex(where: { $0.deliveryID == deliveryID }) else { return nil }
            let entry = entries.remove(at: index)
            return entry.payload == payload ? entry.event : nil
        }
    }

    /// Forgets `deliveryID` (intake did not record it).
    func drop(deliveryID: String) {
        entries.withLock { entries in entries.removeAll { $0.deliveryID == deliveryID } }
    }

    var count: Int { entries.withLock { $0.count } }
}
