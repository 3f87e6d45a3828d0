import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Opens the connections that replica coordination keeps to itself, outside the pool.
///
/// Session state is the point of them: `LISTEN` and session advisory locks belong to one backend,
/// and the pool hands out whichever connection is idle (and may close it when idle). So the work
/// signal, the leader and the state lock each hold a connection of their own; if it drops,
/// PostgreSQL forgets its listens and releases its locks, which is exactly what lets another replica
/// take over from a dead one.
///
/// Each connection is named by `application_name` (`prenv leader host-1234-5f3a`…), so an operator
/// can tell them apart in `pg_stat_activity`.
public struct PostgresLeaseSessions: Sendable {
    private let configuration: PostgresConnection.Configuration
    private static let nextID = Atomic<Int>(1)

    /// `configuration` names the same server, database and user as the pool.
    public init(configuration: PostgresConnection.Configuration) {
        self.configuration = configuration
    }

    /// A new connection, `application_name` set to `name` (PostgreSQL keeps its first 63 bytes).
    func connect(name: String, logger: Logger) async throws -> PostgresConnection {
        var configuration = configuration
        configuration.options.additionalStartupParameters.removeAll { $0.0 == "application_name" }
        configuration.options.additionalStartupParameters.append(("application_name", name))
        let id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }
}

/// Closes `connection` without waiting for a server that may be gone; errors are moot by then.
func closeQuietly(_ connection: PostgresConnection?) async {
    guard let connection, !connection.isClosed else { return }
    try? await connection.close()
}

/// Runs `body` on `connection` but gives up after `limit`: throws `PostgresLeaseError` naming
/// `operation` and closes the connection. A connection whose peer vanished without a reset (a
/// partition) would otherwise keep the call waiting until TCP gives up, minutes later.
///
/// The call is raced rather than awaited: postgres-nio does not end a query on task cancellation,
/// and a query written to a connection that has just closed is never answered at all (the write
/// fails with nobody to tell), so waiting for `body` to finish could wait forever. A closed
/// connection is refused up front for the same reason.
func within<T: Sendable>(
    _ limit: Duration, on connection: PostgresConnection, _ operation: String,
    _ body: @escaping @Sendable (PostgresConnection) async throws -> T
) async throws -> T {
    guard !connection.isClosed else { throw PostgresLeaseError(operation: operation, reason: "the connection is closed") }
    let race = Race<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            race.start(continuation)
            let timer = Task {
                do { try await Task.sleep(for: limit) } catch { return }
                let timeout = PostgresLeaseError(operation: operation, reason: "no answer within \(limit); the connection was closed")
                if race.finish(.failure(timeout)) { await closeQuietly(connection) }
            }
            Task {
                do { race.finish(.success(try await body(connection))) } catch { race.finish(.failure(error)) }
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The one continuation `within` resumes, by whichever of the call, the timer or a cancellation
/// comes first.
private final class Race<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<T, any Error>?, outcome: Result<T, any Error>?)>((nil, nil))

    func start(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Whether this call decided the race.
    @discardableResult
    func finish(_ outcome: Result<T, any Error>) -> Bool {
        let (decided, continuation) = state.withLock { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard state.outcome == nil else { return (false, nil) }
            state.outcome = outcome
            let continuation = state.continuation
            state.continuation = nil
            return (true, continuation)
        }
        continuation?.resume(with: outcome)
        return decided
    }
}
