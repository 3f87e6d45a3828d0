import Foundation
import Orchestrator
import PostgresNIO

/// A PostgreSQL state operation that failed: which one, against which database (its `description`,
/// never the password), and why, with PostgreSQL's SQLSTATE and message when the server gave one.
///
/// Built only from fields prenv chooses (never `String(reflecting:)` of a postgres-nio error, which
/// carries the query and its bound values), so neither a password nor a payload ends up in a log.
public struct PostgresStateError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// No connection could be made (refused, timed out, no such host): `detail` says which.
        case unreachable(detail: String)
        /// The server answered with an error.
        case server(sqlState: String, message: String)
        /// The TLS handshake or the authentication exchange failed on the client's side.
        case handshake(detail: String)
        /// The connection broke during the operation; the server rolled back its open transaction.
        case connectionLost(detail: String)
        /// The database was migrated by a newer prenv.
        case schemaTooNew(found: Int, supported: Int)
        /// A stored row could not be read back.
        case undecodable(what: String, detail: String)
        /// The store was closed (`PostgresState.close()`).
        case closed
        case other(detail: String)
    }

    /// What was being done: `open`, `migrate`, `save`, `append`, …
    public var operation: String
    /// `PostgresLocation.description`: user, host, port, database, sslmode; no password.
    public var location: String
    public var reason: Reason

    public init(operation: String, location: String, reason: Reason) {
        self.operation = operation
        self.location = location
        self.reason = reason
    }

    /// PostgreSQL's five-character error code, when the server sent one (`28P01`, `3D000`, …).
    public var sqlState: String? {
        if case let .server(sqlState, _) = reason { return sqlState }
        return nil
    }

    public var description: String {
        switch reason {
        case let .unreachable(detail):
            "PostgreSQL is not reachable at \(location) (\(operation)): \(detail)"
        case let .server(sqlState, message):
            "PostgreSQL at \(location) refused \(operation): \(message) (SQLSTATE \(sqlState))"
        case let .handshake(detail):
            "could not connect to PostgreSQL at \(location) (\(operation)): \(detail)"
        case let .connectionLost(detail):
            "the connection to PostgreSQL at \(location) was lost during \(operation) (nothing of it was committed): \(detail)"
        case let .schemaTooNew(found, supported):
            "the database \(location) is at schema version \(found); this prenv knows up to \(supported): upgrade prenv"
        case let .undecodable(what, detail):
            "PostgreSQL at \(location): \(operation) could not read \(what): \(detail)"
        case .closed:
            "the PostgreSQL state at \(location) is closed (\(operation))"
        case let .other(detail):
            "PostgreSQL at \(location): \(operation) failed: \(detail)"
        }
    }
}

extension PostgresStateError {
    /// `error` as callers should see it: errors of prenv's own (`CancellationError`, fencing, not
    /// found, errors already mapped) pass through untouched; postgres-nio's become a
    /// `PostgresStateError` naming `operation` and `location`.
    static func mapping(_ error: any Error, operation: String, location: PostgresLocation) -> any Error {
        switch error {
        case is CancellationError, is FencedWriteRefused, is StateStoreError, is PostgresStateError:
            return error
        case let error as PSQLError:
            if error.code == .queryCancelled, Task.isCancelled { return CancellationError() }
            return PostgresStateError(operation: operation, location: location.description, reason: reason(error))
        case let error as PostgresDecodingError:
            return PostgresStateError(
                operation: operation, location: location.description,
                reason: .undecodable(what: "column \(error.columnName)", detail: "\(error.code) (type \(error.postgresType))"))
        default:
            // The pool's own `ConnectionPoolError` is not importable (postgres-nio's underscored
            // module): its circuit breaker trips after a minute of failed connection attempts.
            let detail = String(describing: error)
            let reason: Reason = detail.contains("CircuitBreaker")
                ? .unreachable(detail: "no connection could be made for a minute")
                : .other(detail: detail)
            return PostgresStateError(operation: operation, location: location.description, reason: reason)
        }
    }

    private static func reason(_ error: PSQLError) -> Reason {
        switch error.code {
        case .server:
            let sqlState = error.serverInfo?[.sqlState] ?? "?????"
            let message = error.serverInfo?[.message] ?? "no message"
            // 57P01 admin_shutdown (pg_terminate_backend, a fast shutdown), 57P02 crash_shutdown: the
            // server ended the session, and with it any open transaction.
            if ["57P01", "57P02"].contains(sqlState) {
                return .connectionLost(detail: "\(message) (SQLSTATE \(sqlState))")
            }
            return .server(sqlState: sqlState, message: message)
        case .connectionError:
            return .unreachable(detail: describeConnectFailure(error.underlying))
        case .poolClosed:
            return .closed
        case .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
            return .connectionLost(detail: "the connection was closed")
        case .sslUnsupported:
            return .handshake(detail: "the server does not offer TLS, and sslmode asks for it")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return .handshake(detail: "TLS could not be set up (\(error.code))")
        case .saslError, .unsupportedAuthMechanism, .authMechanismRequiresPassword:
            return .handshake(detail: "authentication failed (\(error.code))")
        default:
            return .other(detail: "\(error.code)")
        }
    }

    /// "connection refused", "connection timed out after 10 seconds", or NIO's own words (which
    /// name only the address).
    private static func describeConnectFailure(_ underlying: (any Error)?) -> String {
        guard let underlying else { return "could not connect" }
        if let ioError = underlying as? IOError, ioError.errnoCode == ECONNREFUSED { return "connection refused" }
        if let connectionError = underlying as? NIOConnectionError {
            let refused = connectionError.connectionErrors.contains { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            if refused { return "connection refused" }
            if connectionError.dnsAError != nil || connectionError.dnsAAAAError != nil, connectionError.connectionErrors.isEmpty {
                return "the host name could not be resolved"
            }
        }
        if case ChannelError.connectTimeout(let timeout) = underlying {
            return "the connection timed out after \(timeout.nanoseconds / 1_000_000_000) seconds"
        }
        return String(describing: underlying)
    }
}
