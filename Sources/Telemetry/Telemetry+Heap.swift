import CoreMetrics

extension Telemetry {
    /// The allocator's view of the heap: bytes in use and bytes free but kept (glibc's `mallinfo2`).
    /// Sampled at each scrape by the composition root, which owns the allocator calls.
    public static func heap(inUse: Int, free: Int, factory: any MetricsFactory = MetricsSystem.factory) {
        set(Name.heap, Double(inUse), [("kind", "in_use")], factory: factory)
        set(Name.heap, Double(free), [("kind", "free")], factory: factory)
    }
}
