import Synchronization

/// A one-shot gate between the supervisor service and the HTTP server's start: the server
/// listens only after saved work is resumed, and not at all when resuming failed.
final class StartSignal: Sendable {
    private let stream: AsyncThrowingStream<Never, any Error>
    private let continuation: AsyncThrowingStream<Never, any Error>.Continuation
    private let opened = Mutex(false)

    init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Never.self)
    }

    func open() {
        opened.withLock { $0 = true }
        continuation.finish()
    }

    func fail(_ error: any Error) { continuation.finish(throwing: error) }

    /// Whether saved work is resumed: `/readyz` answers 503 until then.
    var isOpen: Bool { opened.withLock { $0 } }

    /// Returns once opened; throws the start's failure, or `CancellationError` if cancelled first.
    func wait() async throws {
        for try await _ in stream {}
        try Task.checkCancellation()
    }
}
