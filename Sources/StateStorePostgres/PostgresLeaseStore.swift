import Foundation
import Logging
import Orchestrator
import PostgresNIO

/// Leases on PostgreSQL (`prenv_leases`): the arbiter between replicas of who acts on a PR.
///
/// Every decision is one statement judged by the database's clock (`now()`), never a replica's,
/// so replicas whose clocks disagree still agree on who holds a lease. Row locks serialize
/// concurrent acquirers of one key: the first commits, the others then see a live lease held by
/// someone else and get nil.
///
/// Tokens: a lease's row is never deleted. Release sets its expiry to `-infinity` and keeps the
/// token, so every later acquire (by anyone, the releasing replica too) counts on from it: a key's
/// tokens strictly increase across every hand-over, and a fence made under an old token can never
/// match again. A holder re-acquiring its own lease after it *expired* gets a new token too, as
/// `InMemoryLeaseStore` does: while it was expired another replica may have been entitled to act
/// (and may still be, from its point of view), so the old fence must not stay valid across the gap.
public struct PostgresLeaseStore: LeaseStore {
    private let client: PostgresClient
    private let logger: Logger
    /// How many keys one `unownedWork()` returns at most; the rest come with the next poll.
    public static let workLimit = 100

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func acquire(_ key: String, holder: String, for duration: Duration) async throws -> PullRequestLease? {
        let seconds = duration.seconds
        let query: PostgresQuery = """
            INSERT INTO prenv_leases AS held (key, holder, token, expires_at)
            VALUES (\(key), \(holder), 1, now() + make_interval(secs => \(seconds)))
            ON CONFLICT (key) DO UPDATE SET
                holder = EXCLUDED.holder,
                token = CASE WHEN held.holder = EXCLUDED.holder AND held.expires_at > now()
                             THEN held.token ELSE held.token + 1 END,
                expires_at = EXCLUDED.expires_at
            WHERE held.expires_at <= now() OR held.holder = EXCLUDED.holder
            RETURNING key, holder, token, expires_at
            """
        let lease = try await single(query, "acquire lease \(key) for \(holder)")
        if let lease { logger.trace("lease acquired", metadata: ["lease": "\(lease)"]) }
        return lease
    }

    public func renew(_ lease: PullRequestLease, for duration: Duration) async throws -> PullRequestLease? {
        let seconds = duration.seconds
        let query: PostgresQuery = """
            UPDATE prenv_leases SET expires_at = now() + make_interval(secs => \(seconds))
            WHERE key = \(lease.key) AND holder = \(lease.holder) AND token = \(lease.token) AND expires_at > now()
            RETURNING key, holder, token, expires_at
            """
        return try await single(query, "renew \(lease)")
    }

    public func release(_ lease: PullRequestLease) async throws {
        let query: PostgresQuery = """
            UPDATE prenv_leases SET expires_at = '-infinity'
            WHERE key = \(lease.key) AND holder = \(lease.holder) AND token = \(lease.token)
            """
        try await coordinating("release \(lease)") {
            try await client.query(query, logger: logger)
        }
    }

    /// Pending inbox events and worker records that need an owner, of keys no live lease covers.
    ///
    /// The rows it reads are locked `FOR UPDATE SKIP LOCKED` for the statement's short transaction,
    /// so two replicas polling at the same moment tend to get disjoint keys instead of racing for
    /// the same ones (a row another poll, or an owner's write, holds right now is skipped; the next
    /// poll sees it). It only spreads the work: `acquire` still decides, and a key listed to two
    /// replicas is won by one. Sorted and distinct, at most `workLimit` keys.
    public func unownedWork() async throws -> [String] {
        let query: PostgresQuery = """
            WITH pending AS (
                SELECT inbox.key AS key FROM prenv_inbox AS inbox
                WHERE NOT inbox.processed
                  AND NOT EXISTS (SELECT 1 FROM prenv_leases AS lease WHERE lease.key = inbox.key AND lease.expires_at > now())
                FOR UPDATE OF inbox SKIP LOCKED
            ), orphaned AS (
                SELECT worker.lease_key AS key FROM prenv_workers AS worker
                WHERE worker.needs_owner
                  AND NOT EXISTS (SELECT 1 FROM prenv_leases AS lease WHERE lease.key = worker.lease_key AND lease.expires_at > now())
                FOR UPDATE OF worker SKIP LOCKED
            )
            SELECT key FROM (SELECT key FROM pending UNION SELECT key FROM orphaned) AS work
            ORDER BY key LIMIT \(Self.workLimit)
            """
        return try await coordinating("list unowned work") {
            var keys: [String] = []
            for try await key in try await client.query(query, logger: logger).decode(String.self) { keys.append(key) }
            return keys
        }
    }

    /// The lease `query` returns, if it returns a row.
    private func single(_ query: PostgresQuery, _ operation: @autoclosure () -> String) async throws -> PullRequestLease? {
        try await coordinating(operation()) {
            let rows = try await client.query(query, logger: logger)
            for try await (key, holder, token, expiresAt) in rows.decode((String, String, Int64, Date).self) {
                return PullRequestLease(key: key, holder: holder, token: token, expiresAt: expiresAt)
            }
            return nil
        }
    }
}
