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
    /// Enough for a burst the workers keep up with; each entry holds its payload (~25 KB), and
    /// `maxBytes` bounds the payloads held whatever their size (bodies may be up to `--max-body-bytes`).
    static let capacity = 128
    static let maxBytes = 8 << 20

    private struct Entry {
        var deliveryID: String
        var payload: Data
        var event: PullRequestEvent
    }

    private let entries = Mutex<(list: [Entry], bytes: Int)>(([], 0))

    public init() {}

    func keep(_ event: PullRequestEvent, payload: Data, deliveryID: String) {
        guard payload.count <= Self.maxBytes else { return }
        entries.withLock { entries in
            entries.list.append(Entry(deliveryID: deliveryID, payload: payload, event: event))
            entries.bytes += payload.count
            while entries.list.count > Self.capacity || entries.bytes > Self.maxBytes {
                entries.bytes -= entries.list.removeFirst().payload.count
            }
        }
    }

    /// The event decoded from exactly `payload` under `deliveryID`, removed; nil if none is kept.
    func take(deliveryID: String, payload: Data) -> PullRequestEvent? {
        entries.withLock { entries in
            guard let index = entries.list.lastIndex(where: { $0.deliveryID == deliveryID }) else { return nil }
            let entry = entries.list.remove(at: index)
            entries.bytes -= entry.payload.count
            return entry.payload == payload ? entry.event : nil
        }
    }

    /// Forgets one entry kept for `deliveryID` and `payload` (intake did not record it); another
    /// request's entry for the same delivery, if any, stays.
    func drop(deliveryID: String, payload: Data) {
        entries.withLock { entries in
            guard let index = entries.list.lastIndex(where: { $0.deliveryID == deliveryID && $0.payload == payload }) else { return }
            entries.bytes -= entries.list.remove(at: index).payload.count
        }
    }

    var count: Int { entries.withLock { $0.list.count } }
}
