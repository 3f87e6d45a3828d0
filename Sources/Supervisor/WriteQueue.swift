import Foundation

/// The GitHub writes waiting for one token's budget, and what was shed instead of sent. A pure
/// value: it decides, `WriteScheduler` acts. Its rules, each a line in `WriteQueueTests`:
/// - a newer write with the same key (`GitHubWrite.key`) replaces the queued one (keeping its place in line,
///   so an often-edited comment is not starved by newer writes), except that an intermediate never
///   replaces a queued final (it is dropped instead: a final always follows it);
/// - when a PR's head moves (`headMoved`), every queued write about its earlier commits is dropped,
///   and so is a later intermediate about them (a later final, e.g. "superseded", still goes);
/// - a write whose fingerprint equals the last one sent under its key is dropped ("post only on change");
/// - a write asked for under a PR's lease this replica no longer holds is dropped, at enqueue and again before it is sent;
/// - the next write is the oldest final whose `notBefore` has passed, else the oldest intermediate.
public struct WriteQueue: Sendable {
    /// Why a write was not sent.
    public enum DropReason: String, Sendable, Hashable, CaseIterable, Comparable {
        /// A newer write with the same coalescing key replaced it while it waited.
        case supersededByKey = "superseded_by_key"
        /// Its commit was no longer the PR's head.
        case supersededHead = "superseded_head"
        /// GitHub already shows exactly this (same key and fingerprint as the last write sent).
        case unchangedFingerprint = "unchanged_fingerprint"
        /// An intermediate still waiting for budget when the reporter was finished.
        case shutdown
        /// GitHub refused it for a reason other than a rate limit (logged).
        case refused
        /// The replica lost the PR's lease after asking for it (`WriteOwnership`): the new owner speaks for the PR.
        case leaseLost = "lease_lost"

        public static func < (lhs: DropReason, rhs: DropReason) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    struct Entry: Sendable {
        var write: GitHubWrite
        /// Place in line: kept when a newer write replaces this one.
        var sequence: Int
        var queuedAt: Date
    }

    /// Boxed: a dictionary keeps a bucket per entry and as many again empty, and an entry (a write
    /// with its closure and texts) is some 250 bytes; a thousand PRs' finals wait here for minutes.
    private var entries: [TextDigest: CopyOnWriteBox<Entry>] = [:]
    private var nextSequence = 0
    /// `repository#pr` → head SHA, from `headMoved`.
    private var heads = BoundedMemory(capacity: WriteQueue.remembered)
    /// coalescing key → fingerprint of the last write sent under it.
    private var lastSent = BoundedMemory(capacity: WriteQueue.remembered)
    public private(set) var dropped: [DropReason: Int] = [:]

    /// How many keys and heads are remembered; the oldest are forgotten first (a forgotten
    /// fingerprint at worst sends one repeat, a forgotten head keeps one superseded write).
    public static let remembered = 10_000

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// Whether a final is waiting (shutdown flushes these, whatever they wait for).
    public var hasFinals: Bool { entries.values.contains { $0.value.write.priority == .final } }

    static func headKey(_ repository: String, _ pullRequest: Int) -> String { "\(repository.lowercased())#\(pullRequest)" }

    /// Queues `write`; returns why it was dropped instead, if it was.
    @discardableResult
    public mutating func enqueue(_ write: GitHubWrite, now: Date) -> DropReason? {
        // Asked for under a lease already lost (a cancelled task of an earlier tenure still
        // talking): never queued, so it cannot replace what the PR's current holder queued.
        if let ownership = write.ownership, !ownership.isHeld() { return drop(.leaseLost) }
        // An intermediate about an earlier commit is stale news. A final submitted after the head
        // moved is a deliberate closing word on that commit (its checks' "superseded"), so it goes.
        if write.priority == .intermediate, isStale(write) { return drop(.supersededHead) }
        // A final waiting under this key is not replaced by an intermediate: the final is what
        // the PR must show (a failure, an alert) and a final always follows the intermediate.
        if write.priority == .intermediate, entries[write.key]?.value.write.priority == .final { return drop(.supersededByKey) }
        if let fingerprint = write.fingerprint, lastSent.holds(fingerprint, under: write.key) {
            // What waited would have changed GitHub's view; the newest says it is unchanged after all.
            if entries.removeValue(forKey: write.key) != nil { drop(.supersededByKey) }
            return drop(.unchangedFingerprint)
        }
        if entries[write.key] != nil {
            entries[write.key]?.value.write = write
            drop(.supersededByKey)
            return nil
        }
        entries[write.key] = CopyOnWriteBox(Entry(write: write, sequence: nextSequence, queuedAt: now))
        nextSequence += 1
        return nil
    }

    /// Puts back a write the rate limit refused: unless a newer one with its key arrived meanwhile
    /// (then that one stands and this one counts as superseded).
    public mutating func putBack(_ write: GitHubWrite, now: Date) {
        if isStale(write) { drop(.supersededHead); return }
        if entries[write.key] != nil { drop(.supersededByKey); return }
        entries[write.key] = CopyOnWriteBox(Entry(write: write, sequence: -1 - nextSequence, queuedAt: now))
        nextSequence += 1
    }

    /// The PR's head is now `sha`: queued writes about its other commits are dropped, and so is any
    /// intermediate about them queued later.
    public mutating func headMoved(repository: String, pullRequest: Int, to sha: String) {
        heads.remember(sha, under: Self.headKey(repository, pullRequest))
        // The keys first, then the removals: removing while iterating `entries` would copy every queued write.
        let stale = entries.compactMap { isStale($0.value.value.write) ? $0.key : nil }
        for key in stale {
            entries[key] = nil
            drop(.supersededHead)
        }
    }

    private func isStale(_ write: GitHubWrite) -> Bool {
        guard let sha = write.sha, let pullRequest = write.pullRequest else { return false }
        let key = Self.headKey(write.repository, pullRequest)
        return heads.remembers(key) && !heads.holds(sha, under: key)
    }

    /// What the sender should do next.
    public enum Next: Sendable {
        /// This write is the best to send now, if the budget lets it (`take` it then).
        case ready(GitHubWrite)
        /// Nothing may go before this time (every queued write has a later `notBefore`).
        case wait(until: Date)
        case empty
    }

    /// The best write whose `notBefore` has passed: the first final, else the first intermediate.
    /// A write already shown on GitHub (its fingerprint sent meanwhile) is dropped on the way.
    public mutating func peek(now: Date) -> Next {
        var earliest: Date?
        var best: Entry?
        var shown: [TextDigest] = []
        defer {
            // Removed after the loop: removing while iterating `entries` would copy every queued write.
            for key in shown {
                entries[key] = nil
                drop(.unchangedFingerprint)
            }
        }
        for box in entries.values {
            let entry = box.value
            if let fingerprint = entry.write.fingerprint, lastSent.holds(fingerprint, under: entry.write.key) {
                shown.append(entry.write.key)
                continue
            }
            if let notBefore = entry.write.notBefore, notBefore > now {
                earliest = min(earliest ?? notBefore, notBefore)
                continue
            }
            if let current = best, (current.write.priority, current.sequence) <= (entry.write.priority, entry.sequence) { continue }
            best = entry
        }
        if let best { return .ready(best.write) }
        return earliest.map { .wait(until: $0) } ?? .empty
    }

    /// How many queued writes may go at `now` as far as their `notBefore` goes.
    public func dueCount(now: Date) -> Int {
        entries.values.filter { ($0.value.write.notBefore ?? now) <= now }.count
    }

    /// The earliest `notBefore` still ahead of `now`, if any: when a deferred write becomes ready.
    public func nextNotBefore(after now: Date) -> Date? {
        entries.values.compactMap(\.value.write.notBefore).filter { $0 > now }.min()
    }

    /// Takes the write `peek` returned out of the queue.
    public mutating func take(_ write: GitHubWrite) -> GitHubWrite? {
        entries.removeValue(forKey: write.key)?.value.write
    }

    /// Every queued write, best first (for shutdown and statistics).
    public var queued: [GitHubWrite] {
        entries.values.map(\.value).sorted { ($0.write.priority, $0.sequence) < ($1.write.priority, $1.sequence) }.map(\.write)
    }

    /// Drops every queued intermediate (shutdown); returns how many.
    @discardableResult
    public mutating func dropIntermediates(reason: DropReason = .shutdown) -> Int {
        let intermediates = entries.filter { $0.value.value.write.priority == .intermediate }.map(\.key)
        for key in intermediates { entries[key] = nil }
        dropped[reason, default: 0] += intermediates.count
        return intermediates.count
    }

    /// Remembers what GitHub now shows under `write`'s key.
    public mutating func sent(_ write: GitHubWrite) {
        if let fingerprint = write.fingerprint { lastSent.remember(fingerprint, under: write.key) }
    }

    @discardableResult
    mutating func drop(_ reason: DropReason) -> DropReason {
        dropped[reason, default: 0] += 1
        return reason
    }
}

/// Which text was last seen under which key (a fingerprint under a coalescing key, a head SHA under
/// a PR), forgetting the oldest keys beyond `capacity` so a long-running server's memory stays
/// bounded. It keeps digests of both (`TextDigest`), not the texts: a key and a fingerprint are a
/// couple of hundred bytes, remembered for every status context of every environment, and all the
/// queue asks is whether a text is the one remembered.
struct BoundedMemory: Sendable {
    let capacity: Int
    private var values: [TextDigest: TextDigest] = [:]
    private var order: [TextDigest] = []

    init(capacity: Int) { self.capacity = capacity }

    /// Whether anything is remembered under `key`.
    func remembers(_ key: String) -> Bool { values[TextDigest(key)] != nil }

    /// Whether `value` is what is remembered under `key`.
    func holds(_ value: String, under key: String) -> Bool { holds(TextDigest(value), under: TextDigest(key)) }

    func holds(_ value: TextDigest, under key: TextDigest) -> Bool { values[key] == value }

    mutating func remember(_ value: String, under key: String) { remember(TextDigest(value), under: TextDigest(key)) }

    mutating func remember(_ value: TextDigest, under key: TextDigest) {
        if values.updateValue(value, forKey: key) == nil { order.append(key) }
        if order.count > capacity {
            let forgotten = order.prefix(order.count - capacity * 9 / 10)
            for old in forgotten { values[old] = nil }
            order.removeFirst(forgotten.count)
        }
    }
}
