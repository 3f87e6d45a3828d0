import Foundation
import PostgresNIO

/// A replica-coordination call (lease, wake-up, leader, state lock) that PostgreSQL did not answer
/// as expected: which call, on what, and what the server (or the connection) said.
///
/// postgres-nio's `PSQLError` describes itself generically on purpose (its query may hold secrets),
/// so this keeps only the SQLSTATE and the server's message, or the connection failure, which are
/// what an operator needs and hold no password.
public struct PostgresLeaseError: Error, Sendable, CustomStringConvertible {
    /// What was being done, e.g. `acquire lease owner/name#5`.
    public var operation: String
    /// PostgreSQL's SQLSTATE when the server answered with an error (`40001`, `57P01`…).
    public var sqlState: String?
    /// The server's message, or how the connection failed.
    public var reason: String

    public init(operation: String, sqlState: String? = nil, reason: String) {
        self.operation = operation
        self.sqlState = sqlState
        self.reason = reason
    }

    /// Wraps `error` from postgres-nio; `CancellationError` is returned untouched so callers rethrow it.
    static func wrapping(_ error: any Error, operation: String) -> any Error {
        if error is CancellationError { return error }
        if let already = error as? PostgresLeaseError { return already }
        guard let psql = error as? PSQLError else {
            return PostgresLeaseError(operation: operation, reason: String(describing: error))
        }
        if let server = psql.serverInfo {
            return PostgresLeaseError(
                operation: operation, sqlState: server[.sqlState], reason: server[.message] ?? "the server reported an error")
        }
        let underlying = psql.underlying.map { ": \(String(describing: $0))" } ?? ""
        return PostgresLeaseError(operation: operation, reason: "\(psql.code)\(underlying)")
    }

    public var description: String {
        let state = sqlState.map { " (SQLSTATE \($0))" } ?? ""
        return "PostgreSQL could not \(operation): \(reason)\(state)"
    }
}

/// Runs `body`, turning its postgres-nio errors into `PostgresLeaseError` naming `operation`.
@discardableResult
func coordinating<T>(_ operation: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw PostgresLeaseError.wrapping(error, operation: operation())
    }
}
