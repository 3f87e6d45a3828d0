/// A one-shot gate between the supervisor service and the HTTP server's start: the server
/// listens only after saved work is resumed, and not at all when resuming failed.
final class StartSignal: Sendable {
    private let stream: AsyncThrowingStream<Never, any Error>
    private let continuation: AsyncThrowingStream<Never, any Error>.Continuation

    init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Never.self)
    }

    func open() { continuation.finish() }

    func fail(_ error: any Error) { continuation.finish(throwing: error) }

    /// Returns once opened; throws the start's failure, or `CancellationError` if cancelled first.
    func wait() async throws {
        for try await _ in stream {}
        try Task.checkCancellation()
    }
}
