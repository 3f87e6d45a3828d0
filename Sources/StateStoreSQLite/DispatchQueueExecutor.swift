import Dispatch

/// Runs an actor's jobs on a serial dispatch queue of its own instead of Swift's cooperative pool.
///
/// SQLite calls block their thread: an fsync per commit (synchronous=FULL), and up to the busy
/// timeout while another connection holds the write lock. The cooperative pool has one thread per
/// core (two on a small server), so blocking it would stall every other task, webhook replies
/// included. A queue per store keeps that waiting on threads of its own.
final class DispatchQueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
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
