import Foundation
import Logging
import Orchestrator
import PostgresNIO

/// Leader election by a PostgreSQL session advisory lock: the replica whose connection holds
/// `pg_advisory_lock(lockKey)` runs the singletons (the open-PR listing, inbox pruning, the orphan sweep; per-PR checks run on each PR's owner).
///
/// The lock belongs to the session, so it needs no expiry: when the leader's process dies or its
/// connection drops, PostgreSQL releases it, and the next `isLeader()` of another replica takes it.
/// The leader re-checks at every ask that its session still holds the lock (`pg_locks`); after a
/// drop it answers false, and campaigns again at the following ask. A pass already running when
/// leadership is lost runs on: the singletons are idempotent, and each pass asks first.
///
/// Every call on the connection is bounded by `timeout`; a connection that does not answer in
/// time is closed (which gives the lock up, if the server still sees it) and counts as lost.
public actor PostgresLeader: LeaderElection {
    /// The advisory lock's key, `prenvLDR` in ASCII: one per database, so one leader per state.
    public static let lockKey: Int64 = 0x7072_656E_764C_4452

    private let sessions: PostgresLeaseSessions
    private let replica: String
    private let logger: Logger
    private let timeout: Duration
    private var connection: PostgresConnection?
    private var leading = false
    private var resigned = false
    /// Failed campaigns in a row, so an outage is warned about once.
    private var failures = 0
    /// The ask in progress: concurrent asks share it instead of racing on the connection.
    private var asking: Task<Bool, Never>?

    /// `replica` is the replica's id, in the log lines and the connection's `application_name`.
    public init(sessions: PostgresLeaseSessions, replica: String, logger: Logger, timeout: Duration = .seconds(5)) {
        self.sessions = sessions
        self.replica = replica
        self.logger = logger
        self.timeout = timeout
    }

    public func isLeader() async -> Bool {
        if let asking { return await asking.value }
        let ask = Task { await self.ask() }
        asking = ask
        let answer = await ask.value
        asking = nil
        return answer
    }

    /// Unlocks and closes the connection, for good: a resigned leader no longer campaigns (it is
    /// shutting down), so another replica takes over at its next ask.
    public func resign() async {
        resigned = true
        _ = await asking?.value
        if let connection, leading {
            _ = try? await within(timeout, on: connection, "resign leadership") { connection in
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: self.logger)
                return true
            }
            logger.info("resigned leadership", metadata: ["replica": "\(replica)"])
        }
        leading = false
        await drop()
    }

    private func ask() async -> Bool {
        guard !resigned else { return false }
        if leading { return await stillLeading() }
        return await campaign()
    }

    /// Whether the session still holds the lock; false (and the connection dropped) when it does not.
    private func stillLeading() async -> Bool {
        let (high, low) = (Self.lockKey >> 32, Self.lockKey & 0xFFFF_FFFF)
        var reason = "the lock is no longer held"
        if let connection {
            do {
                let holds = try await within(timeout, on: connection, "check leadership") { connection in
                    let rows = try await connection.query(
                        """
                        SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                            AND granted AND mode = 'ExclusiveLock' AND classid::bigint = \(high) AND objid::bigint = \(low) AND objsubid = 1)
                        """, logger: self.logger)
                    for try await holds in rows.decode(Bool.self) { return holds }
                    return false
                }
                if holds { return true }
            } catch {
                reason = "\(PostgresLeaseError.wrapping(error, operation: "check leadership"))"
            }
        }
        leading = false
        logger.info("lost leadership", metadata: ["replica": "\(replica)", "reason": "\(reason)"])
        await drop()
        return false
    }

    /// Tries the lock (never waits for it), connecting first when needed.
    private func campaign() async -> Bool {
        do {
            let connection = try await connected()
            let won = try await within(timeout, on: connection, "campaign for leadership") { connection in
                let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: self.logger)
                for try await won in rows.decode(Bool.self) { return won }
                return false
            }
            failures = 0
            if won {
                leading = true
                logger.info("became leader", metadata: ["replica": "\(replica)"])
            }
            return won
        } catch {
            failures += 1
            let described = PostgresLeaseError.wrapping(error, operation: "campaign for leadership")
            if failures == 1 {
                logger.warning("cannot campaign for leadership; not leading until PostgreSQL answers", metadata: ["replica": "\(replica)", "error": "\(described)"])
            } else {
                logger.debug("still cannot campaign for leadership", metadata: ["attempts": "\(failures)", "error": "\(described)"])
            }
            await drop()
            return false
        }
    }

    private func connected() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        await drop()
        let opened = try await sessions.connect(name: "prenv leader \(replica)", logger: logger)
        connection = opened
        return opened
    }

    private func drop() async {
        let old = connection
        connection = nil
        await closeQuietly(old)
    }
}
