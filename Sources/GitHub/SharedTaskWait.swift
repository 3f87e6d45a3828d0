import Foundation

/// Waiting on a `Task` that other callers share (one token refresh, one installation lookup) without
/// tying the waiter to it: `task.value` ignores the waiter's own cancellation, so a cancelled worker
/// would sit until GitHub answered. Here a cancelled waiter throws `CancellationError` at once and
/// the shared task runs on for the others.
enum SharedTaskWait {
    static func value<T: Sendable>(of task: Task<T, any Error>) async throws -> T {
        try Task.checkCancellation()
        let slot = ContinuationSlot<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                slot.set(continuation)
                Task {
                    do { slot.resume(with: .success(try await task.value)) } catch { slot.resume(with: .failure(error)) }
                }
            }
        } onCancel: {
            slot.resume(with: .failure(CancellationError()))
        }
    }
}

/// A continuation resumed exactly once, by whichever comes first: the result or the cancellation
/// (which may arrive before the continuation exists).
private final class ContinuationSlot<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, any Error>?
    private var early: Result<T, any Error>?
    private var done = false

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let resumeNow: Result<T, any Error>? = lock.withLock {
            if let early { done = true; return early }
            self.continuation = continuation
            return nil
        }
        if let resumeNow { continuation.resume(with: resumeNow) }
    }

    func resume(with result: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = lock.withLock {
            guard !done else { return nil }
            guard let continuation else {
                if early == nil { early = result }
                return nil
            }
            done = true
            self.continuation = nil
            return continuation
        }
        waiting?.resume(with: result)
    }
}
