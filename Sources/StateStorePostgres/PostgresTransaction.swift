import Logging
import Orchestrator
import PostgresNIO

/// `BEGIN` … `COMMIT` on one connection, rolled back when the body throws.
///
/// Writes run at PostgreSQL's default, read committed: their row locks and unique indexes order
/// them. A read of several statements (`load`, `list`) asks for `snapshot`, a read-only repeatable
/// read, so an environment and its nodes come from one moment, as a SQLite read transaction gives.
///
/// Not postgres-nio's `withTransaction`: that wraps every error in a `PostgresTransactionError`,
/// and callers must see `CancellationError`, `FencedWriteRefused` and `StateStoreError` as they were
/// thrown. If the connection breaks mid-way the server rolls the transaction back itself; the
/// failed `ROLLBACK` is then not worth reporting over the error that broke it.
enum PostgresTransaction {
    static func run<Result: Sendable>(
        on connection: PostgresConnection, logger: Logger, snapshot: Bool = false,
        _ body: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            try await connection.query(snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN", logger: logger)
        } catch where connectionIsGone(connection, after: error) {
            await closeDead(connection)
            throw StaleConnection(underlying: error)
        }
        let result: Result
        do {
            result = try await body(connection)
        } catch {
            if connectionIsGone(connection, after: error) {
                await closeDead(connection)
            } else {
                _ = try? await connection.query("ROLLBACK", logger: logger)
            }
            throw error
        }
        try await connection.query("COMMIT", logger: logger)
        return result
    }

    /// Closes a connection whose session ended, before it goes back to the pool: a query sent to
    /// it might wait forever (seen in tests after `pg_terminate_backend`), and a closed one is
    /// recognised (`isClosed`) and passed over by `PostgresPool` until the pool drops it.
    static func closeDead(_ connection: PostgresConnection) async {
        try? await connection.close()
    }

    /// Whether `error` ended the session (the server terminated it, or the socket closed): then the
    /// server has rolled the transaction back already, and a `ROLLBACK` sent to the closing
    /// connection might never be answered.
    static func connectionIsGone(_ connection: PostgresConnection, after error: any Error) -> Bool {
        if connection.isClosed { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError:
            return true
        case .server:
            return error.serverInfo?[.severity] == "FATAL" || error.serverInfo?[.sqlState]?.hasPrefix("57P") == true
        default:
            return false
        }
    }
}

/// The pool lent a connection whose session had just ended (the pool learns of a close a moment
/// after the failed operation gave it back): nothing was run on it, so the caller may retry on
/// another.
struct StaleConnection: Error {
    var underlying: any Error
}

/// The fencing check every write for one PR makes first when `WriteFence.current` is set.
enum PostgresFence {
    /// Throws `FencedWriteRefused` unless `lease` is still the current holder and token of its row
    /// in `prenv_leases`, and keeps that row share-locked until the transaction ends: a take-over
    /// (which updates the row) waits for this write to commit, so no fenced write lands after it.
    ///
    /// `leaseKey` is the PR the write is for (`EnvironmentKey.leaseKey`, or the inbox key). A fence
    /// for another PR is a programming error (the operation writes outside the PR it holds); it is
    /// refused the same way, since writing would bypass the other PR's lease.
    static func check(_ lease: PullRequestLease?, writing leaseKey: String, on connection: PostgresConnection,
                      logger: Logger) async throws {
        guard let lease else { return }
        guard lease.key == leaseKey else { throw FencedWriteRefused(key: lease.key, token: lease.token) }
        let rows = try await connection.query(
            """
            SELECT 1 FROM prenv_leases
            WHERE key = \(lease.key) AND holder = \(lease.holder) AND token = \(lease.token) AND expires_at > now()
            FOR SHARE
            """, logger: logger)
        var held = false
        for try await _ in rows { held = true }
        guard held else { throw FencedWriteRefused(key: lease.key, token: lease.token) }
    }
}
