@testable import GitHub
import Testing

/// The caches behind `RepositoryFolderReader` forget the least recently used entries first, by count and by cost.
@Suite struct BoundedCacheTests {
    @Test func evictsLeastRecentlyUsedByCount() {
        var cache = BoundedCache<String, Int>(maxCount: 2)
        cache.store(1, for: "a")
        cache.store(2, for: "b")
        #expect(cache.value(for: "a") == 1)  // "b" is now the oldest
        cache.store(3, for: "c")
        #expect(cache.value(for: "b") == nil && cache.value(for: "a") == 1 && cache.value(for: "c") == 3 && cache.count == 2)
    }

    @Test func evictsByCostAndRefusesWhatCannotFit() {
        var cache = BoundedCache<String, String>(maxCount: 100, maxCost: 10)
        cache.store("x", for: "a", cost: 4)
        cache.store("y", for: "b", cost: 4)
        cache.store("z", for: "c", cost: 4)
        #expect(cache.value(for: "a") == nil && cache.totalCost == 8)
        cache.store("huge", for: "d", cost: 11)
        #expect(cache.value(for: "d") == nil && cache.count == 2 && cache.totalCost == 8)
        cache.store("b again", for: "b", cost: 1)
        #expect(cache.totalCost == 5 && cache.value(for: "b") == "b again")
    }
}
