import Logging
import Orchestrator
import PostgresNIO

/// What every PostgreSQL store shares: the client (a connection pool), where it points, the logger,
/// and the one way each of their operations reaches the database, so every error is mapped alike.
struct PostgresPool: Sendable {
    let client: PostgresClient
    let location: PostgresLocation
    let logger: Logger

    /// Runs `body` in a transaction (`snapshot`: a read-only one seeing one moment). With
    /// `fencedFor` (the PR the write is for) and a `WriteFence.current` lease, the transaction
    /// first checks that lease (`PostgresFence`) and refuses with `FencedWriteRefused`, writing
    /// nothing, when it is no longer current.
    func transaction<Result: Sendable>(
        _ operation: String, fencedFor leaseKey: String? = nil, snapshot: Bool = false,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let fence = leaseKey == nil ? nil : WriteFence.current
        return try await mappingErrors(operation) {
            try await withLiveConnection { connection in
                try await PostgresTransaction.run(on: connection, logger: logger, snapshot: snapshot) { connection in
                    if let leaseKey { try await PostgresFence.check(fence, writing: leaseKey, on: connection, logger: logger) }
                    return try await body(connection)
                }
            }
        }
    }

    /// Runs `body` on one pooled connection, outside any explicit transaction (single statements).
    func read<Result: Sendable>(_ operation: String, _ body: @Sendable (PostgresConnection) async throws -> Result) async throws -> Result {
        try await mappingErrors(operation) {
            try await withLiveConnection { connection in
                do {
                    return try await body(connection)
                } catch where PostgresTransaction.connectionIsGone(connection, after: error) {
                    // A read is safe to run again.
                    await PostgresTransaction.closeDead(connection)
                    throw StaleConnection(underlying: error)
                }
            }
        }
    }

    /// `body` on a pooled connection, again on another (up to three tries) when it throws
    /// `StaleConnection`: after a connection dies, the pool may lend it once more before it notices.
    private func withLiveConnection<Result: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> Result)
        async throws -> Result
    {
        var attempt = 1
        while true {
            do {
                return try await client.withConnection { connection in
                    guard !connection.isClosed else { throw StaleConnection(underlying: PostgresStateError(
                        operation: "lease", location: location.description, reason: .connectionLost(detail: "the connection was closed"))) }
                    return try await body(connection)
                }
            } catch let stale as StaleConnection {
                guard attempt < 3 else { throw stale.underlying }
                attempt += 1
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    private func mappingErrors<Result>(_ operation: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw PostgresStateError.mapping(error, operation: operation, location: location)
        }
    }
}
