#if canImport(Glibc)
import CMalloc
#endif

/// Makes `prenv serve`'s resident memory follow what it holds, not the highest burst it ever took.
///
/// Why: glibc gives each contending thread its own malloc arena (up to eight per core) and returns
/// freed memory to the system only from the top of a heap. A burst of webhooks (a thousand applies
/// at once, each with its requests, responses and decoded payloads) leaves freed chunks spread over
/// many arenas, and the process keeps them resident for good. In the memory benchmark
/// (`prenv-benchmarks memory`, BENCHMARKS.md) 1,000 live environments of a one-node blueprint cost
/// 65 KiB of anonymous memory each with glibc's defaults, while what the heap actually held grew by
/// about 15 KiB per environment. Two arenas and a periodic trim close most of that gap.
///
/// Both are glibc's own, stable since 2.10 (`mallopt(M_ARENA_MAX)`) and 2.8 (`malloc_trim`, which
/// also releases free pages in the middle of a heap), and do nothing but tune the allocator.
public enum HeapReturn {
    /// Arenas `prenv serve` lets glibc create. Its threads are few (an event loop per core, the
    /// cooperative pool, the SQLite and libcurl threads) and none allocates in a tight loop, so
    /// two arenas cost no measurable contention.
    public static let arenas: Int32 = 2

    /// How often freed memory is handed back. A trim takes the arenas' locks for about a
    /// millisecond per hundred megabytes, so once every half minute costs nothing noticeable.
    public static let trimInterval: Duration = .seconds(30)

    /// Caps malloc's arenas; call first thing in `prenv serve`, before its server, database and
    /// HTTP client threads start (arenas already made by the runtime's few threads stay). An
    /// operator's `MALLOC_ARENA_MAX` wins (glibc reads it at the first allocation, this only when
    /// it is unset).
    public static func limitArenas(environment: [String: String]) {
        #if canImport(Glibc)
        guard environment["MALLOC_ARENA_MAX"] == nil else { return }
        _ = mallopt(M_ARENA_MAX, arenas)
        #endif
    }

    /// Returns the heap's free pages to the system; true when some were released.
    @discardableResult
    public static func trim() -> Bool {
        #if canImport(Glibc)
        malloc_trim(0) == 1
        #else
        false  // other allocators return memory on their own
        #endif
    }

    /// What malloc holds: bytes handed out (small chunks plus mmapped blocks) and bytes free inside
    /// its heaps (kept resident until a trim can return whole pages). Nil where glibc is not the allocator.
    public static func usage() -> (inUse: Int, free: Int)? {
        #if canImport(Glibc)
        let info = mallinfo2()
        return (Int(info.uordblks + info.hblkhd), Int(info.fordblks))
        #else
        nil
        #endif
    }

    /// Trims every `interval` until cancelled (`prenv serve` runs it for its lifetime).
    public static func trimPeriodically(every interval: Duration = trimInterval) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            trim()
        }
    }
}
