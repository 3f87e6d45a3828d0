import AWSCore

/// An AWS call interrupted by cancellation fails with `AWSError` code `Cancelled`; the engine expects
/// `CancellationError` from a superseded or aborted apply, so it records the node as cancelled (and
/// keeps the record as evidence to adopt from) rather than failed.
func rethrowingCancellation<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        if Task.isCancelled || (error as? AWSError)?.code == AWSError.ClientCode.cancelled { throw CancellationError() }
        throw error
    }
}
