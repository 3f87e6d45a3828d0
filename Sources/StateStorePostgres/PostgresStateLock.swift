import Foundation
import Logging
import PostgresNIO

/// What keeps `prenv gc --apply` off a PostgreSQL state that `prenv serve` replicas are using —
/// the PostgreSQL counterpart of the SQLite state's `flock` (`StateLock` in PrenvApp).
///
/// One session advisory lock, `lockKey`, taken without waiting on a connection of its own: every
/// serve replica holds it *shared* for its life (replicas coexist), and `gc --apply` needs it
/// *exclusive* for its run, so it is refused while any serve runs, and a serve is refused while a
/// gc deletes. PostgreSQL drops the lock with the session, so a crashed holder never leaves a stale
/// lock; by the same token a serve whose lock connection drops no longer excludes gc until it takes
/// the lock again (`isHeld()` tells).
public final class PostgresStateLock: Sendable {
    /// `prenvSTL` in ASCII; distinct from the leader's key.
    public static let lockKey: Int64 = 0x7072_656E_7653_544C

    /// Who takes the lock, and so how: serve shares it, gc --apply excludes everyone.
    public enum Holder: String, Sendable, CaseIterable {
        case serve = "prenv serve"
        case gcApply = "prenv gc --apply"
    }

    /// Why the lock was not taken.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Serve replicas hold it shared (`replicas` of them, as `pg_locks` counted at refusal; nil
        /// when they could not be counted), so `gc --apply` may not run.
        case serveRunning(replicas: Int?)
        /// A `gc --apply` holds it exclusively.
        case sweepRunning
        /// PostgreSQL could not be asked.
        case unavailable(PostgresLeaseError)

        public var description: String {
            switch self {
            case .serveRunning(let replicas?):
                "prenv serve is running on this state (\(replicas) \(replicas == 1 ? "replica" : "replicas")); its sweep does this every --gc-interval — see /api/orphans — or stop it first"
            case .serveRunning(nil):
                "prenv serve is running on this state; its sweep does this every --gc-interval — see /api/orphans — or stop it first"
            case .sweepRunning:
                "prenv gc --apply is using this state; wait for it to finish"
            case .unavailable(let error):
                "cannot lock the state: \(error)"
            }
        }
    }

    public let holder: Holder
    private let connection: PostgresConnection
    private let logger: Logger

    private init(holder: Holder, connection: PostgresConnection, logger: Logger) {
        self.holder = holder
        self.connection = connection
        self.logger = logger
    }

    /// Takes the lock for `holder` or throws `Failure` at once (never waits for it);
    /// `CancellationError` passes through.
    public static func take(_ holder: Holder, sessions: PostgresLeaseSessions, logger: Logger) async throws -> PostgresStateLock {
        let connection: PostgresConnection
        do {
            connection = try await sessions.connect(name: holder.rawValue, logger: logger)
        } catch {
            throw failure(error, "connect to lock the state")
        }
        do {
            let query: PostgresQuery = holder == .serve
                ? "SELECT pg_try_advisory_lock_shared(\(lockKey))" : "SELECT pg_try_advisory_lock(\(lockKey))"
            if try await firstBool(connection.query(query, logger: logger)) {
                return PostgresStateLock(holder: holder, connection: connection, logger: logger)
            }
            let refusal = try await refusal(on: connection, logger: logger)
            await closeQuietly(connection)
            throw refusal
        } catch let refused as Failure {
            throw refused
        } catch {
            await closeQuietly(connection)
            throw failure(error, "lock the state for \(holder.rawValue)")
        }
    }

    /// Whether this lock's session still holds it (false once its connection dropped).
    public func isHeld() async -> Bool {
        let mode = holder == .serve ? "ShareLock" : "ExclusiveLock"
        let query: PostgresQuery = """
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                AND pid = pg_backend_pid() AND mode = \(mode)
                AND classid::bigint = \(Self.lockKey >> 32) AND objid::bigint = \(Self.lockKey & 0xFFFF_FFFF))
            """
        do {
            return try await within(.seconds(5), on: connection, "check the state lock") { connection in
                try await Self.firstBool(connection.query(query, logger: self.logger))
            }
        } catch {
            return false
        }
    }

    /// Gives the lock up and closes its connection (exiting does the same).
    public func release() async {
        let query: PostgresQuery = holder == .serve
            ? "SELECT pg_advisory_unlock_shared(\(Self.lockKey))" : "SELECT pg_advisory_unlock(\(Self.lockKey))"
        if !connection.isClosed {
            _ = try? await within(.seconds(5), on: connection, "release the state lock") { connection in
                try await connection.query(query, logger: self.logger)
                return true
            }
        }
        await closeQuietly(connection)
    }

    /// Who holds the lock that was just refused: serve replicas (counted) or a gc --apply. A bigint
    /// advisory key shows in `pg_locks` as classid = its high half, objid = its low half.
    private static func refusal(on connection: PostgresConnection, logger: Logger) async throws -> Failure {
        let query: PostgresQuery = """
            SELECT count(*) FILTER (WHERE mode = 'ShareLock'), count(*) FILTER (WHERE mode = 'ExclusiveLock')
            FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND classid::bigint = \(lockKey >> 32) AND objid::bigint = \(lockKey & 0xFFFF_FFFF)
            """
        for try await (shared, exclusive) in try await connection.query(query, logger: logger).decode((Int64, Int64).self) {
            if shared > 0 { return .serveRunning(replicas: Int(shared)) }
            if exclusive > 0 { return .sweepRunning }
        }
        // Released between the attempt and the count: say who most likely held it.
        return .serveRunning(replicas: nil)
    }

    private static func firstBool(_ rows: PostgresRowSequence) async throws -> Bool {
        for try await value in rows.decode(Bool.self) { return value }
        return false
    }

    /// `.unavailable` describing `error`; `CancellationError` passes through as itself.
    private static func failure(_ error: any Error, _ operation: String) -> any Error {
        let wrapped = PostgresLeaseError.wrapping(error, operation: operation)
        guard let described = wrapped as? PostgresLeaseError else { return wrapped }
        return Failure.unavailable(described)
    }
}
