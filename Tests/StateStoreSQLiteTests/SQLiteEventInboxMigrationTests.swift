import Foundation
@testable import Orchestrator
import StateStoreContract
@testable import StateStoreSQLite
import Testing

/// Migration 2 (the inbox table) on files an older prenv wrote, and the refusal of newer ones.
@Suite struct SQLiteEventInboxMigrationTests {
    /// A version-1 file (schema 1 plus records, as the previous prenv left it) gains the inbox
    /// table and keeps its records, whichever of inbox and store opens it first.
    @Test(arguments: [true, false])
    func migrationTwoKeepsStateRecords(inboxFirst: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let record = StateStoreFixtures.record()
            try await writeVersionOneFile(path, with: record, scratch: directory + "/source.sqlite")
            #expect(try rawSQL(path, "PRAGMA user_version") == ["1"])
            #expect(try rawSQL(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                == ["environments", "nodes"])

            if inboxFirst {
                try await EventInboxFixtures.append(try SQLiteEventInbox(path: path), "after-upgrade")
            }
            let store = try SQLiteStateStore(path: path)
            let inbox = try SQLiteEventInbox(path: path)
            if !inboxFirst { try await EventInboxFixtures.append(inbox, "after-upgrade") }
            #expect(SQLiteStateStore.schemaVersion == 9)
            #expect(try rawSQL(path, "PRAGMA user_version") == ["9"])
            #expect(try await store.load(record.key) == record)
            #expect(try await inbox.pending(key: "acme/web#5").map(\.deliveryID) == ["after-upgrade"])
            #expect(try rawSQL(path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                + "'webhook_deliveries' AND sql IS NOT NULL ORDER BY name")
                == ["webhook_deliveries_content", "webhook_deliveries_key_sequence"])
        }
    }

    @Test func databaseFromANewerPrenvIsRefusedByTheInbox() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            try await EventInboxFixtures.append(try SQLiteEventInbox(path: path), "d")
            try rawSQL(path, "PRAGMA user_version = 10")
            let error = #expect(throws: SQLiteSchemaError.self) { try SQLiteEventInbox(path: path) }
            #expect(error == .newerThanSupported(path: path, found: 10, supported: 9))
            #expect(throws: SQLiteSchemaError.self) { try SQLiteStateStore(path: path) }
            #expect(try rawSQL(path, "PRAGMA user_version") == ["10"])
            #expect(try rawSQL(path, "SELECT count(*) FROM webhook_deliveries") == ["1"])
        }
    }

    /// Migration 4 on a file an older prenv left with a delivery pending: the row gets a unique
    /// placeholder content key and stays pending, and content dedupe holds from then on.
    @Test func migrationFourKeepsPendingDeliveriesAndDedupesContent() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1000)
            for version in 1...3 { try connection.exec(SQLiteMigrations.all[version - 1], operation: "test") }
            try connection.exec(
                """
                INSERT INTO webhook_deliveries (delivery_id, event, key, payload, received_at)
                VALUES ('old-1', 'pull_request', 'acme/web#5', x'7b7d', 1700000000), ('old-2', 'pull_request', 'acme/web#5', x'7b7d', 1700000000);
                PRAGMA user_version = 3;
                """, operation: "test")
            let inbox = try SQLiteEventInbox(path: path)
            #expect(try rawSQL(path, "SELECT content_key FROM webhook_deliveries ORDER BY sequence") == ["delivery:old-1", "delivery:old-2"])
            #expect(try await inbox.pending(key: "acme/web#5").map(\.deliveryID) == ["old-1", "old-2"])
            let first = try await EventInboxFixtures.append(inbox, "new-1", content: "c")
            #expect(try await EventInboxFixtures.append(inbox, "new-2", content: "c") == .duplicate(sequence: first.sequence))
            // The database itself refuses a second row with one content key, whoever writes it.
            #expect(throws: (any Error).self) {
                try connection.exec(
                    "INSERT INTO webhook_deliveries (delivery_id, content_key, event, key, payload, received_at) "
                        + "VALUES ('raw', 'c', 'pull_request', 'acme/web#5', x'', 0)", operation: "test")
            }
        }
    }

    /// Migration 7 on a file an older prenv left with processed and pending deliveries: the same
    /// ones stay pending, and marking and pruning work from the progress table on.
    @Test func migrationSevenKeepsWhatWasProcessed() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1000)
            for version in 1...6 { try connection.exec(SQLiteMigrations.all[version - 1], operation: "test") }
            try connection.exec(
                """
                INSERT INTO webhook_deliveries (delivery_id, content_key, event, key, payload, received_at, processed) VALUES
                    ('a1', 'ca1', 'pull_request', 'acme/a#1', x'7b7d', 1, 1), ('a2', 'ca2', 'pull_request', 'acme/a#1', x'7b7d', 1, 1),
                    ('a3', 'ca3', 'pull_request', 'acme/a#1', x'7b7d', 1, 0), ('b1', 'cb1', 'pull_request', 'acme/b#1', x'7b7d', 1, 1),
                    ('c1', 'cc1', 'pull_request', 'acme/c#1', x'7b7d', 1, 0);
                PRAGMA user_version = 6;
                """, operation: "test")
            let inbox = try SQLiteEventInbox(path: path)
            #expect(try rawSQL(path, "SELECT key || '=' || through FROM webhook_progress ORDER BY key") == ["acme/a#1=2", "acme/b#1=4"])
            #expect(try await inbox.pendingKeys() == ["acme/a#1", "acme/c#1"])
            #expect(try await inbox.pending(key: "acme/a#1").map(\.deliveryID) == ["a3"])
            #expect(try await inbox.pending(key: "acme/b#1").isEmpty)
            try await inbox.markProcessed(key: "acme/a#1", through: 3)
            try await inbox.markProcessed(key: "acme/a#1", through: 1)  // late and lower: no step back
            #expect(try await inbox.pending(key: "acme/a#1").isEmpty)
            #expect(try await EventInboxFixtures.append(inbox, "a1", key: "acme/a#1") == .duplicate(sequence: 1))
            #expect(try await inbox.prune(processedBefore: Date(timeIntervalSince1970: 2)) == 4)
            #expect(try rawSQL(path, "SELECT delivery_id FROM webhook_deliveries") == ["c1"])
            #expect(try rawSQL(path, "SELECT count(*) FROM webhook_progress") == ["0"], "no deliveries left for a or b")
        }
    }

    /// Migration 9 on an inbox an older prenv left, with processed, pending and pruned deliveries:
    /// the same rows and sequences, the payload now last in the row, the unused flag and its index
    /// gone, and a pruned sequence still never handed out again.
    @Test func migrationNineRebuildsTheInboxWithThePayloadLast() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            do {
                let inbox = try SQLiteEventInbox(path: path)
                for (id, key) in [("a1", "acme/a#1"), ("a2", "acme/a#1"), ("b1", "acme/b#1"), ("slot", "acme/c#1"), ("gone", "acme/c#1")] {
                    try await EventInboxFixtures.append(inbox, id, key: key, body: id)
                }
                try await inbox.markProcessed(key: "acme/a#1", through: 1)
            }
            // Back to how version 8 left the table: payload before received_at and content_key, the
            // processed flag and its index; the newest delivery pruned, so the high-water mark is above every row.
            for statement in [
                "DROP INDEX webhook_deliveries_content", "DROP INDEX webhook_deliveries_key_sequence",
                "ALTER TABLE webhook_deliveries RENAME TO v9",
                """
                CREATE TABLE webhook_deliveries (sequence INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id TEXT UNIQUE NOT NULL,
                event TEXT NOT NULL, key TEXT NOT NULL, payload BLOB NOT NULL, received_at REAL NOT NULL,
                processed INTEGER NOT NULL DEFAULT 0, content_key TEXT) STRICT
                """,
                "INSERT INTO webhook_deliveries (sequence, delivery_id, event, key, payload, received_at, content_key) "
                    + "SELECT sequence, delivery_id, event, key, payload, received_at, content_key FROM v9",
                "DROP TABLE v9",
                "CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (key, processed, sequence)",
                "CREATE UNIQUE INDEX webhook_deliveries_content ON webhook_deliveries (content_key)",
                "CREATE INDEX webhook_deliveries_key_sequence ON webhook_deliveries (key, sequence)",
                "DELETE FROM webhook_deliveries WHERE key = 'acme/c#1'",
                // As migration 4 left rows recorded before it: no content key; and an empty body.
                "INSERT INTO webhook_deliveries (sequence, delivery_id, event, key, payload, received_at, content_key) "
                    + "VALUES (4, 'old', 'pull_request', 'acme/d#1', x'', 1.5, NULL)",
                "PRAGMA user_version = 8",
            ] {
                try rawSQL(path, statement)
            }
            #expect(try rawSQL(path, "SELECT seq FROM sqlite_sequence WHERE name = 'webhook_deliveries'") == ["5"])

            let inbox = try SQLiteEventInbox(path: path)
            #expect(try rawSQL(path, "PRAGMA user_version") == ["9"])
            #expect(try rawSQL(path, "SELECT name FROM pragma_table_info('webhook_deliveries') ORDER BY cid")
                == ["sequence", "delivery_id", "content_key", "event", "key", "received_at", "payload"])
            #expect(try rawSQL(path, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                + "'webhook_deliveries' AND sql IS NOT NULL ORDER BY name") == ["webhook_deliveries_content", "webhook_deliveries_key_sequence"])
            #expect(try await inbox.pendingKeys() == ["acme/a#1", "acme/b#1", "acme/d#1"])
            #expect(try rawSQL(path, "SELECT quote(content_key) || ' ' || quote(payload) || ' ' || received_at FROM webhook_deliveries "
                + "WHERE delivery_id = 'old'") == ["NULL X'' 1.5"])
            #expect(try await inbox.pendingHeaders(key: "acme/d#1").map(\.payloadBytes) == [0])
            let pending = try await inbox.pending(key: "acme/a#1")
            #expect(pending.map(\.deliveryID) == ["a2"] && pending.map(\.sequence) == [2])
            #expect(pending.first?.payload == EventInboxFixtures.payload("a2") && pending.first?.contentKey == EventInboxFixtures.contentKey("a2"))
            #expect(try await inbox.pendingHeaders(key: "acme/b#1").map(\.payloadBytes) == [EventInboxFixtures.payload("b1").count])
            #expect(try await EventInboxFixtures.append(inbox, "new", key: "acme/a#1") == .recorded(sequence: 6), "5 was pruned, not reused")
            #expect(try await EventInboxFixtures.append(inbox, "a1", key: "acme/a#1") == .duplicate(sequence: 1), "dedupe by id kept")
        }
    }

    /// Migration 8 on workers an older prenv left: `needs_owner` read from each record's JSON agrees
    /// with `EnvironmentStateMachine.needsOwner`, machine by machine, with a closed machine without
    /// resources per clause the rule has (so each clause alone decides one row), and later saves keep it.
    @Test func migrationEightFlagsTheWorkersThatNeedAnOwner() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            var machines = WorkerStoreContract.ownershipMachines()
            let gone = machines[1]
            var running = gone, backoff = gone, tie = gone, resources = gone
            running.running = .destroy
            backoff.teardownBackoff = TeardownBackoff(failures: 2, lastFailure: Date(timeIntervalSince1970: 1_700_000_000))
            tie.unconfirmed = .init(observation: .init(isClosed: true, target: .absent(reason: "closed")), reopens: false)
            resources.hasResources = true
            machines += [running, backoff, tie, resources]
            for machine in [running, backoff, tie, resources] { #expect(machine.needsOwner && machine.isClosed) }
            do {
                let store = try SQLiteStateStore(path: path)
                for (index, machine) in machines.enumerated() {
                    var record = WorkerStoreContract.record(revision: 1, pr: index + 1)
                    record.machine = machine
                    try await store.saveWorker(record)
                }
                var damaged = WorkerStoreContract.record(revision: 1, pr: 99)
                damaged.machine = gone
                try await store.saveWorker(damaged)
            }
            // Back to how version 7 left the table (no column, no index), with one row that is not JSON.
            for statement in [
                "DROP INDEX workers_needing_owner", "ALTER TABLE workers DROP COLUMN needs_owner",
                "UPDATE workers SET record_json = '{damaged' WHERE pr = 99", "PRAGMA user_version = 7",
            ] {
                try rawSQL(path, statement)
            }
            let store: any WorkerStore = try SQLiteStateStore(path: path)
            #expect(try rawSQL(path, "PRAGMA user_version") == ["9"])
            let expected = Set(machines.enumerated().filter(\.element.needsOwner).map { "acme/web#\($0.offset + 1)" })
            #expect(try await store.leaseKeysNeedingOwner() == expected.union(["acme/web#99"]), "a damaged row keeps needing an owner")
            #expect(expected.count == machines.filter(\.needsOwner).count && expected.count < machines.count)
            // The column is what is read, and a save rewrites it.
            try rawSQL(path, "UPDATE workers SET needs_owner = 0 WHERE pr = 99")
            var reopened = WorkerStoreContract.record(revision: 2, pr: 2)
            reopened.machine = machines[0]
            try await store.saveWorker(reopened)
            #expect(try await store.leaseKeysNeedingOwner() == expected.union(["acme/web#2"]))
        }
    }

    /// Each append's commit is fsynced before `append` returns (per connection, so checked on the inbox's own).
    @Test func inboxConnectionIsWALWithSynchronousFull() async throws {
        try await withTemporaryDirectory { directory in
            let inbox = try SQLiteEventInbox(path: directory + "/state.sqlite")
            #expect(try await inbox.pragma("journal_mode") == "wal")
            #expect(try await inbox.pragma("synchronous") == "2")  // FULL
            #expect(try await inbox.pragma("cache_size") == "-512")
        }
    }

    /// A file exactly as the previous prenv (schema version 1) left it, holding `record`: migration 1
    /// alone, rows copied from a store written in `scratch`.
    private func writeVersionOneFile(_ path: String, with record: EnvironmentRecord, scratch: String) async throws {
        try await SQLiteStateStore(path: scratch).save(record)
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 1000)
        try connection.exec("PRAGMA journal_mode = WAL", operation: "test")
        try connection.exec(SQLiteMigrations.version1, operation: "test")
        try connection.exec("PRAGMA user_version = 1", operation: "test")
        // Paths here are the test's own temporary names, free of quotes.
        try connection.exec(
            """
            ATTACH DATABASE '\(scratch)' AS source;
            INSERT INTO environments SELECT * FROM source.environments;
            INSERT INTO nodes SELECT * FROM source.nodes;
            DETACH DATABASE source;
            """, operation: "test")
    }
}
