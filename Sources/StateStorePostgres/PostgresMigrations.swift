import Logging
import PostgresNIO

/// The schema, as an ordered list of migrations; table `prenv_schema` has one row per applied one.
///
/// Never edit a shipped migration: append a new one. A database with a version above
/// `latestVersion` was migrated by a newer prenv and is refused rather than half-understood.
/// Every table is prefixed `prenv_`, so the state may share a database with other things.
enum PostgresMigrations {
    struct Migration: Sendable {
        var version: Int
        var name: String
        /// Run one by one: the extended query protocol takes one statement per query.
        var statements: [String]
    }

    static let all: [Migration] = [version1]

    static var latestVersion: Int { all.last?.version ?? 0 }

    /// The transaction-scoped advisory lock every migrating `open` takes first, so replicas starting
    /// at once migrate one after the other: the second waits, then finds nothing left to do.
    /// `0x7072_656E_766D_6967` is "prenvmig" in ASCII. (Other advisory locks of prenv must use
    /// other keys; the inbox's per-key locks use the two-`int4` form, a separate key space.)
    static let lockKey: Int64 = 0x7072_656E_766D_6967

    /// Every table of the state, in one migration.
    ///
    /// - `prenv_environments`: one row per `EnvironmentRecord` without its nodes, keyed by the
    ///   key's three parts (no two keys can share a row); `key` (`EnvironmentKey.id`) and
    ///   `lease_key` (`EnvironmentKey.leaseKey`) are for people and ad-hoc queries. `phase_json` is
    ///   the `EnvironmentPhase` as JSON. `updated_at` is seconds since 1970 as a double, exactly as
    ///   Swift's `Date` holds it, so a record loads equal to what was saved (timestamptz would round).
    /// - `prenv_nodes`: one row per node, the whole `NodeRecord` as JSON in `record_json` (`type` and
    ///   `status` as columns for queries), so `saveNode` writes a single row: concurrent node writes
    ///   of one environment never lose each other. Deleted with their environment (cascade).
    /// - `prenv_facts`: facts about the state itself, one row each; `instance` is the instance id.
    /// - `prenv_github_deployments`, `prenv_github_comments`: `StoredDeployment`s (the latest
    ///   `keptPerEnvironment` per environment, ordered by `saved`, which only grows) and the sticky
    ///   comment. No foreign key: they outlive the environment's record.
    /// - `prenv_workers`: `WorkerRecord` as JSON with its `revision` (the highest wins), `lease_key`
    ///   (the PR, indexed: what a replica taking a lease loads) and `needs_owner`
    ///   (`record.machine.needsOwner`, written on every save: what `unownedWork` looks for).
    /// - `prenv_inbox`: the webhook inbox. `delivery_id` and `content_key` are `bytea` holding the
    ///   caller's UTF-8 bytes: unique like in SQLite, and a text column cannot hold the NUL a
    ///   hostile header may carry. `payload` is the untrusted body as `bytea`. `sequence` comes from
    ///   a sequence (never reused after a prune); `append` takes a per-key lock before drawing it,
    ///   so within one key sequence order is commit order (see `PostgresEventInbox`). The partial
    ///   index serves `pending(key:)` and `pendingKeys()`.
    /// - `prenv_leases`: one row per PR lease (`PullRequestLease`): holder, fencing token, expiry by
    ///   the database's clock. Written by the lease store; every fenced write checks its row
    ///   `FOR SHARE`, so a take-over (an `UPDATE` of the row) waits for fenced writes in flight.
    static let version1 = Migration(version: 1, name: "state, workers, inbox, leases", statements: [
        """
        CREATE TABLE prenv_environments (
            repository text NOT NULL,
            pr         bigint NOT NULL,
            blueprint  text NOT NULL,
            key        text NOT NULL,
            lease_key  text NOT NULL,
            env_name   text NOT NULL,
            head_sha   text NOT NULL,
            phase_json text NOT NULL,
            updated_at double precision NOT NULL,
            PRIMARY KEY (repository, pr, blueprint)
        )
        """,
        """
        CREATE TABLE prenv_nodes (
            repository  text NOT NULL,
            pr          bigint NOT NULL,
            blueprint   text NOT NULL,
            id          text NOT NULL,
            type        text NOT NULL,
            status      text NOT NULL,
            record_json text NOT NULL,
            updated_at  timestamptz NOT NULL,
            PRIMARY KEY (repository, pr, blueprint, id),
            FOREIGN KEY (repository, pr, blueprint)
                REFERENCES prenv_environments (repository, pr, blueprint) ON DELETE CASCADE
        )
        """,
        "CREATE TABLE prenv_facts (name text PRIMARY KEY, value text NOT NULL)",
        """
        CREATE TABLE prenv_github_deployments (
            repository    text NOT NULL,
            pr            bigint NOT NULL,
            blueprint     text NOT NULL,
            sha           text NOT NULL,
            deployment_id bigint NOT NULL,
            saved         bigint NOT NULL,
            PRIMARY KEY (repository, pr, blueprint, sha)
        )
        """,
        "CREATE INDEX prenv_github_deployments_latest ON prenv_github_deployments (repository, pr, blueprint, saved)",
        """
        CREATE TABLE prenv_github_comments (
            repository text NOT NULL,
            pr         bigint NOT NULL,
            blueprint  text NOT NULL,
            comment_id bigint NOT NULL,
            author     text,
            PRIMARY KEY (repository, pr, blueprint)
        )
        """,
        """
        CREATE TABLE prenv_workers (
            repository  text NOT NULL,
            pr          bigint NOT NULL,
            blueprint   text NOT NULL,
            lease_key   text NOT NULL,
            revision    bigint NOT NULL,
            needs_owner boolean NOT NULL,
            record_json text NOT NULL,
            updated_at  timestamptz NOT NULL,
            PRIMARY KEY (repository, pr, blueprint)
        )
        """,
        "CREATE INDEX prenv_workers_lease_key ON prenv_workers (lease_key)",
        """
        CREATE TABLE prenv_inbox (
            sequence    bigserial PRIMARY KEY,
            delivery_id bytea NOT NULL UNIQUE,
            content_key bytea NOT NULL UNIQUE,
            event       text NOT NULL,
            key         text NOT NULL,
            payload     bytea NOT NULL,
            received_at timestamptz NOT NULL,
            processed   boolean NOT NULL DEFAULT false
        )
        """,
        "CREATE INDEX prenv_inbox_pending ON prenv_inbox (key, sequence) WHERE NOT processed",
        """
        CREATE TABLE prenv_leases (
            key        text PRIMARY KEY,
            holder     text NOT NULL,
            token      bigint NOT NULL,
            expires_at timestamptz NOT NULL
        )
        """,
    ])

    /// Brings the database to `latestVersion` in one transaction holding `lockKey`, so two replicas
    /// opening a fresh database at once migrate it once, and a failed migration leaves nothing behind.
    /// Returns the versions it applied (none when the database was up to date).
    static func migrate(_ connection: PostgresConnection, location: PostgresLocation, logger: Logger) async throws -> [Int] {
        try await PostgresTransaction.run(on: connection, logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS prenv_schema (
                    version    int PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL
                )
                """, logger: logger)
            let current = try await schemaVersion(connection, logger: logger)
            guard current <= latestVersion else {
                throw PostgresStateError(operation: "migrate", location: location.description,
                                         reason: .schemaTooNew(found: current, supported: latestVersion))
            }
            var applied: [Int] = []
            for migration in all where migration.version > current {
                for statement in migration.statements {
                    // This build's own constants, never input.
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO prenv_schema (version, name, applied_at) VALUES (\(migration.version), \(migration.name), now())",
                    logger: logger)
                applied.append(migration.version)
            }
            return applied
        }
    }

    /// The highest applied version, 0 for a database prenv never migrated.
    static func schemaVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.query(
            "SELECT coalesce(max(version), 0) FROM prenv_schema", logger: logger)
        var version = 0
        for try await found in rows.decode(Int.self) { version = found }
        return version
    }
}
