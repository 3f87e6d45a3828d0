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
            try await client.withConnection { connection in
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
            try await client.withConnection { connection in try await body(connection) }
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
