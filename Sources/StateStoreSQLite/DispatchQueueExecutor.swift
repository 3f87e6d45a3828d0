import Dispatch
import Foundation

/// Runs an actor's jobs on a serial dispatch queue instead of Swift's cooperative pool.
///
/// SQLite calls block their thread: an fsync per commit (synchronous=FULL), and up to the busy
/// timeout while another connection holds the write lock. The cooperative pool has one thread per
/// core (two on a small server), so blocking it would stall every other task, webhook replies
/// included.
///
/// The state store and the webhook inbox of one database file share one executor (`forDatabase`):
/// their transactions then run one after the other in this process, in arrival order, instead of
/// meeting at SQLite's file lock, whose busy handler sleeps up to 100 ms between retries and let a
/// stream of state writes delay webhook replies by half a second (BENCHMARKS.md).
final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var registry: [String: DispatchQueueExecutor] = [:]

    /// The one executor of every actor working on the database at `path` in this process.
    static func forDatabase(_ path: String) -> DispatchQueueExecutor {
        // Every ":memory:" open is a database of its own; a file is known by its real path.
        guard path != ":memory:" else { return DispatchQueueExecutor(label: "prenv.sqlite :memory:") }
        let key = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        return registryLock.withLock {
            if let existing = registry[key] { return existing }
            let executor = DispatchQueueExecutor(label: "prenv.sqlite \(key)")
            registry[key] = executor
            return executor
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
