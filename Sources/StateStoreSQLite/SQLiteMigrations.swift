/// The schema, as an ordered list of migrations; `PRAGMA user_version` records how many have run.
///
/// Never edit a shipped migration: append a new one. A database whose version is above
/// `latestVersion` was written by a newer prenv and is refused rather than half-understood.
enum SQLiteMigrations {
    /// Migration *n* (1-based) takes the schema from version n-1 to n.
    static let all: [String] = [version1, version2, version3, version4, version5, version6, version7, version8, version9]

    static var latestVersion: Int { all.count }

    /// Environments keyed by their three parts rather than by `EnvironmentKey.id`, so no pair of
    /// keys can ever map to one row; `key` is kept for people reading the file with `sqlite3`.
    /// Node rows keep `type` and `status` as columns for ad-hoc queries and the whole `NodeRecord`
    /// as JSON, so adding a field to it needs no migration. Dates are seconds since 1970.
    static let version1 = """
        CREATE TABLE environments (
            repository TEXT NOT NULL,
            pr         INTEGER NOT NULL,
            blueprint  TEXT NOT NULL,
            key        TEXT NOT NULL,
            env_name   TEXT NOT NULL,
            head_sha   TEXT NOT NULL,
            phase_json TEXT NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (repository, pr, blueprint)
        ) STRICT;
        CREATE TABLE nodes (
            repository  TEXT NOT NULL,
            pr          INTEGER NOT NULL,
            blueprint   TEXT NOT NULL,
            id          TEXT NOT NULL,
            type        TEXT NOT NULL,
            status      TEXT NOT NULL,
            record_json TEXT NOT NULL,
            updated_at  REAL NOT NULL,
            PRIMARY KEY (repository, pr, blueprint, id),
            FOREIGN KEY (repository, pr, blueprint)
                REFERENCES environments (repository, pr, blueprint) ON DELETE CASCADE
        ) STRICT;
        """

    /// The webhook inbox (`SQLiteEventInbox`). `delivery_id` is UNIQUE so deduplication is the
    /// database's job, race-free across connections; `AUTOINCREMENT` so a pruned sequence number is
    /// never handed out again. The index serves `pending(key:)` and `pendingKeys()`.
    /// `payload` is the raw body as a BLOB; `received_at` is seconds since 1970, as above.
    static let version2 = """
        CREATE TABLE webhook_deliveries (
            sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_id TEXT UNIQUE NOT NULL,
            event       TEXT NOT NULL,
            key         TEXT NOT NULL,
            payload     BLOB NOT NULL,
            received_at REAL NOT NULL,
            processed   INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (key, processed, sequence);
        """

    /// The per-PR workers of `prenv serve` (`WorkerRecord` as JSON): what each environment should be
    /// and what was running, so a restart resumes it. `revision` only grows (see `saveWorker`).
    static let version3 = """
        CREATE TABLE workers (
            repository  TEXT NOT NULL,
            pr          INTEGER NOT NULL,
            blueprint   TEXT NOT NULL,
            revision    INTEGER NOT NULL,
            record_json TEXT NOT NULL,
            updated_at  REAL NOT NULL,
            PRIMARY KEY (repository, pr, blueprint)
        ) STRICT;
        """

    /// Content-based dedupe for the inbox: `content_key` is the caller's hash of what a delivery
    /// says, UNIQUE like `delivery_id`, so a replayed body under a fresh delivery id is refused by the
    /// database itself, race-free across connections. Rows recorded before this migration get
    /// `delivery:<id>`, unique and never equal to a real hash (hex digits only); the column stays
    /// nullable because SQLite cannot add a NOT NULL column without a shared default, which the
    /// unique index would refuse.
    static let version4 = """
        ALTER TABLE webhook_deliveries ADD COLUMN content_key TEXT;
        UPDATE webhook_deliveries SET content_key = 'delivery:' || delivery_id;
        CREATE UNIQUE INDEX webhook_deliveries_content ON webhook_deliveries (content_key);
        """

    /// Facts about the state itself, one row each: `instance`, the id a prenv instance without
    /// `PRENV_INSTANCE` tags its resources with, made at random once and kept with the state.
    static let version5 = """
        CREATE TABLE state_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """

    /// What prenv made on GitHub per environment (`StoredDeployment`, `StoredComment`): no foreign
    /// key to `environments`, since these outlive a destroyed environment's record. `saved` orders a
    /// environment's deployments (the latest is the one `inactive` goes to); it only grows.
    static let version6 = """
        CREATE TABLE github_deployments (
            repository    TEXT NOT NULL,
            pr            INTEGER NOT NULL,
            blueprint     TEXT NOT NULL,
            sha           TEXT NOT NULL,
            deployment_id INTEGER NOT NULL,
            saved         INTEGER NOT NULL,
            PRIMARY KEY (repository, pr, blueprint, sha)
        ) STRICT;
        CREATE INDEX github_deployments_latest ON github_deployments (repository, pr, blueprint, saved);
        CREATE TABLE github_comments (
            repository TEXT NOT NULL,
            pr         INTEGER NOT NULL,
            blueprint  TEXT NOT NULL,
            comment_id INTEGER NOT NULL,
            author     TEXT,
            PRIMARY KEY (repository, pr, blueprint)
        ) STRICT;
        """

    /// How far each PR's events are processed, one small row per key, instead of the `processed`
    /// flag on each delivery: SQLite rewrites a whole row on UPDATE, so marking a 25 KB delivery
    /// processed wrote its payload to the WAL a second time. Every key's processed deliveries were a
    /// prefix of its sequence (`markProcessed` marks up to a sequence, and later appends get larger
    /// ones), so the highest marked sequence says the same. `processed` stays, unused, on old rows;
    /// `pending(key:)` reads by (key, sequence) now, hence the index. An older prenv refuses the file
    /// from here on; as with any upgrade, stop the old `prenv serve` first (it holds the state lock).
    static let version7 = """
        CREATE TABLE webhook_progress (key TEXT PRIMARY KEY, through INTEGER NOT NULL) STRICT;
        INSERT INTO webhook_progress (key, through)
            SELECT key, MAX(sequence) FROM webhook_deliveries WHERE processed = 1 GROUP BY key;
        CREATE INDEX webhook_deliveries_key_sequence ON webhook_deliveries (key, sequence);
        """

    /// Whether a worker's machine `needsOwner`, as a column written at every save (as PostgreSQL's
    /// `needs_owner`), with a partial index: the lone replica asks for these PRs at every reconciler
    /// pass, and answering from the records decoded every worker, tens of megabytes at 10,000
    /// environments. Existing rows get the rule `EnvironmentStateMachine.needsOwner` states, read
    /// from their JSON (open, or holding resources, or an operation asked for, a teardown to retry,
    /// a tie to settle; optional fields are absent when nil);
    /// `SQLiteEventInboxMigrationTests.migrationEightFlagsTheWorkersThatNeedAnOwner` holds the two
    /// to agree clause by clause. Only rows that need nobody are rewritten; a row that is not JSON
    /// (damage) keeps "needs an owner" rather than failing the migration and the file with it.
    static let version8 = """
        ALTER TABLE workers ADD COLUMN needs_owner INTEGER NOT NULL DEFAULT 1;
        UPDATE workers SET needs_owner = 0
        WHERE json_valid(record_json) AND NOT (
            coalesce(json_extract(record_json, '$.machine.isClosed'), 0) = 0
            OR coalesce(json_extract(record_json, '$.machine.hasResources'), 0) = 1
            OR coalesce(json_type(record_json, '$.machine.running'), 'null') != 'null'
            OR coalesce(json_type(record_json, '$.machine.teardownBackoff'), 'null') != 'null'
            OR coalesce(json_type(record_json, '$.machine.unconfirmed'), 'null') != 'null');
        CREATE INDEX workers_needing_owner ON workers (repository, pr) WHERE needs_owner = 1;
        """

    /// The inbox table rebuilt with the payload last, without the `processed` flag and its index
    /// (unused since version 7). A row's columns are stored in order, and `content_key` and
    /// `received_at` came after the 25 KB payload, so listing a key's pending events without their
    /// bodies (`pendingHeaders`) still read each body's overflow pages to reach them (4.6 % of
    /// `prenv serve`'s time under a burst, BENCHMARKS.md); and every append wrote one more index.
    /// Sequences are kept, and so is `AUTOINCREMENT`'s high-water mark, which may be above every
    /// remaining row after a prune: a sequence is never handed out twice.
    static let version9 = """
        CREATE TABLE webhook_deliveries_v9 (
            sequence    INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery_id TEXT UNIQUE NOT NULL,
            content_key TEXT,
            event       TEXT NOT NULL,
            key         TEXT NOT NULL,
            received_at REAL NOT NULL,
            payload     BLOB NOT NULL
        ) STRICT;
        INSERT INTO webhook_deliveries_v9 (sequence, delivery_id, content_key, event, key, received_at, payload)
            SELECT sequence, delivery_id, content_key, event, key, received_at, payload FROM webhook_deliveries ORDER BY sequence;
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'webhook_deliveries_v9', seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'
            AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'webhook_deliveries_v9');
        UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'), 0))
            WHERE name = 'webhook_deliveries_v9';
        DROP TABLE webhook_deliveries;
        ALTER TABLE webhook_deliveries_v9 RENAME TO webhook_deliveries;
        CREATE UNIQUE INDEX webhook_deliveries_content ON webhook_deliveries (content_key);
        CREATE INDEX webhook_deliveries_key_sequence ON webhook_deliveries (key, sequence);
        """

    /// Brings the database to `latestVersion` in one write transaction, so two processes opening a
    /// fresh file at once cannot both run migration 1, and a failed migration leaves nothing behind.
    static func migrate(_ connection: SQLiteConnection) throws {
        try connection.transaction("migrate", write: true) {
            let current = try userVersion(connection)
            guard current <= latestVersion else {
                throw SQLiteSchemaError.newerThanSupported(
                    path: connection.path, found: current, supported: latestVersion)
            }
            guard current < latestVersion else { return }
            for version in (current + 1)...latestVersion {
                try connection.exec(all[version - 1], operation: "migrate to schema version \(version)")
            }
            // A pragma takes no parameters; the value is this build's own constant, not input.
            try connection.exec("PRAGMA user_version = \(latestVersion)", operation: "migrate")
        }
    }

    static func userVersion(_ connection: SQLiteConnection) throws -> Int {
        let versions = try connection.query("PRAGMA user_version", operation: "read schema version") {
            Int($0.integer(0))
        }
        return versions.first ?? 0
    }
}
