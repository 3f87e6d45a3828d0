/// A binary min-heap of node indices under a caller-supplied strict order.
///
/// Kahn's algorithm and the walker both need "the best ready node next" with a deterministic tie-break;
/// a heap makes that O(log n) per node instead of re-sorting the ready set. The standard library has no
/// priority queue and this target takes no dependencies, hence this small one.
struct IndexHeap {
    private var storage: [Int] = []
    /// `precedes(a, b)`: `a` must come out before `b`. Must be a strict weak order.
    private let precedes: (Int, Int) -> Bool

    init(precedes: @escaping (Int, Int) -> Bool) {
        self.precedes = precedes
    }

    var isEmpty: Bool { storage.isEmpty }
    var count: Int { storage.count }

    mutating func insert(_ element: Int) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(storage[child], storage[parent]) else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the element that precedes all others, or nil when empty.
    mutating func popFirst() -> Int? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let first = storage[0]
        storage[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < storage.count, precedes(storage[left], storage[best]) { best = left }
            if right < storage.count, precedes(storage[right], storage[best]) { best = right }
            guard best != parent else { break }
            storage.swapAt(parent, best)
            parent = best
        }
        return first
    }

    /// Removes every element, in no particular order.
    mutating func removeAll() -> [Int] {
        defer { storage.removeAll() }
        return storage
    }
}
