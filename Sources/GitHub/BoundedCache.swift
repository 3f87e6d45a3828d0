/// A dictionary that forgets its least recently used entries once it holds more than `maxCount`
/// entries or more than `maxCost` in all (each entry's cost is given when stored: bytes of text, say).
/// Eviction scans for the oldest entry, O(n): the caches it backs hold at most a few thousand entries
/// and evict rarely, and a plain scan is easy to see correct. Not thread-safe: its owner is an actor.
struct BoundedCache<Key: Hashable, Value> {
    private struct Slot {
        var value: Value
        var cost: Int
        var used: UInt64
    }

    let maxCount: Int
    let maxCost: Int
    private var slots: [Key: Slot] = [:]
    private var clock: UInt64 = 0
    private(set) var totalCost = 0

    init(maxCount: Int, maxCost: Int = .max) {
        self.maxCount = max(0, maxCount)
        self.maxCost = max(0, maxCost)
    }

    var count: Int { slots.count }

    /// The value, marked as just used.
    mutating func value(for key: Key) -> Value? {
        guard var slot = slots[key] else { return nil }
        clock += 1
        slot.used = clock
        slots[key] = slot
        return slot.value
    }

    /// Stores `value`, then evicts the least recently used entries until both bounds hold. An entry
    /// costlier than `maxCost` on its own is not kept.
    mutating func store(_ value: Value, for key: Key, cost: Int = 1) {
        if let old = slots.removeValue(forKey: key) { totalCost -= old.cost }
        guard cost <= maxCost, maxCount > 0 else { return }
        clock += 1
        slots[key] = Slot(value: value, cost: cost, used: clock)
        totalCost += cost
        while slots.count > maxCount || totalCost > maxCost {
            guard let oldest = slots.min(by: { $0.value.used < $1.value.used }) else { break }
            slots[oldest.key] = nil
            totalCost -= oldest.value.cost
        }
    }
}
