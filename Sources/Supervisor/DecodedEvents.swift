import Foundation
import GitHub
import Orchestrator
import Synchronization

/// `pull_request` events intake has just decoded, for the worker that drains them moments later,
/// so a delivery is read once, not twice, and its body is not read back from the inbox at all
/// (intake's and the worker's readings were a fifth of `prenv serve`'s time under a burst:
/// BENCHMARKS.md). Purely a shortcut: the inbox stays the record, and what is not taken (another
/// replica drains the PR, the worker fell far behind) is dropped beyond `capacity`.
///
/// An event is used only for the recording it was decoded from: the same delivery id, content key
/// and payload length, and no other request's event kept under that id. Its body is not compared
/// byte for byte, since the worker no longer reads it. The HMAC covers the body, not the
/// `X-GitHub-Delivery` header, so someone holding another signed body could send it under the id of
/// a delivery arriving at that moment: while both are kept the id is ambiguous and the worker reads
/// the recording from the inbox; a request not recorded drops exactly its own entry (`Kept`).
public final class DecodedEvents: Sendable {
    /// Enough for a burst of thousands the workers fall behind on (32 senders on one core outran
    /// 128); entries hold the decoded event, not its ~25 KB body, so this costs a few MiB at most.
    static let capacity = 4096
    /// Bounds what the entries hold whatever they carry (`changes` can hold an edited PR body).
    static let maxBytes = 8 << 20

    private struct Entry {
        var serial: UInt64
        var contentKey: String
        var payloadBytes: Int
        var event: PullRequestEvent
        var bytes: Int
    }

    /// Entries by delivery id (two when concurrent requests carry one id), and every kept entry's
    /// id in the order kept, for dropping the oldest; ids of entries taken since are skipped then.
    private struct State {
        var byDelivery: [String: [Entry]] = [:]
        var order: [(deliveryID: String, serial: UInt64)] = []
        var orderStart = 0
        var count = 0
        var bytes = 0
        var nextSerial: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// What an entry is counted as against `maxBytes`: the event's fields are short, bar `changes`,
    /// which is bounded by the payload it came from.
    static func bytes(of event: PullRequestEvent, payloadBytes: Int) -> Int {
        1024 + 64 * event.pullRequest.labels.count + (event.changes == nil ? 0 : payloadBytes)
    }

    /// One request's entry, for `drop`.
    struct Kept {
        let deliveryID: String
        let serial: UInt64
    }

    /// Keeps `event` for the worker; nil if it is too large to keep.
    @discardableResult
    func keep(_ event: PullRequestEvent, contentKey: String, payloadBytes: Int, deliveryID: String) -> Kept? {
        let bytes = Self.bytes(of: event, payloadBytes: payloadBytes)
        guard bytes <= Self.maxBytes else { return nil }
        return state.withLock { state in
            let serial = state.nextSerial
            state.nextSerial += 1
            state.byDelivery[deliveryID, default: []].append(
                Entry(serial: serial, contentKey: contentKey, payloadBytes: payloadBytes, event: event, bytes: bytes))
            state.order.append((deliveryID, serial))
            state.count += 1
            state.bytes += bytes
            while state.count > Self.capacity || state.bytes > Self.maxBytes || state.order.count - state.orderStart > 2 * Self.capacity {
                let oldest = state.order[state.orderStart]
                state.orderStart += 1
                Self.remove(from: &state, deliveryID: oldest.deliveryID) { $0.serial == oldest.serial }
            }
            return Kept(deliveryID: deliveryID, serial: serial)
        }
    }

    /// The event decoded for the recording `header` describes, removed; nil if none is kept, or if
    /// more than one request's event is kept under its delivery id (all of them are forgotten then).
    func take(_ header: InboxEventHeader) -> PullRequestEvent? {
        state.withLock { state in
            guard let entries = state.byDelivery[header.deliveryID] else { return nil }
            guard entries.count == 1 else {
                while Self.remove(from: &state, deliveryID: header.deliveryID, where: { _ in true }) != nil {}
                return nil
            }
            return Self.remove(from: &state, deliveryID: header.deliveryID) {
                $0.contentKey == header.contentKey && $0.payloadBytes == header.payloadBytes
            }?.event
        }
    }

    /// Forgets the entry `keep` made for a request intake did not record; another request's entry
    /// for the same delivery, if any, stays.
    func drop(_ kept: Kept) {
        state.withLock { state in
            _ = Self.remove(from: &state, deliveryID: kept.deliveryID) { $0.serial == kept.serial }
        }
    }

    var count: Int { state.withLock { $0.count } }
    /// Places in the eviction order, from the oldest entry still kept (tests check it stays bounded).
    var orderLength: Int { state.withLock { $0.order.count - $0.orderStart } }

    /// Removes the newest of `deliveryID`'s entries that `matches`, keeping the counts.
    @discardableResult
    private static func remove(from state: inout State, deliveryID: String, where matches: (Entry) -> Bool) -> Entry? {
        guard var entries = state.byDelivery[deliveryID], let index = entries.lastIndex(where: matches) else { return nil }
        let entry = entries.remove(at: index)
        state.byDelivery[deliveryID] = entries.isEmpty ? nil : entries
        state.count -= 1
        state.bytes -= entry.bytes
        trimOrder(&state)
        return entry
    }

    /// Drops the places at the front of the eviction order whose entries are gone (taken, mostly in
    /// the order kept), so a drained burst leaves no ids behind (8,192 of them held about half a
    /// MiB after 10,000 environments, BENCHMARKS.md).
    private static func trimOrder(_ state: inout State) {
        while state.orderStart < state.order.count {
            let place = state.order[state.orderStart]
            guard state.byDelivery[place.deliveryID]?.contains(where: { $0.serial == place.serial }) != true else { break }
            state.orderStart += 1
        }
        if state.orderStart == state.order.count {
            state.order = []
            state.orderStart = 0
        } else if state.orderStart > Self.capacity {
            state.order.removeFirst(state.orderStart)
            state.orderStart = 0
        }
    }
}
