import Foundation
import Orchestrator
import StateStoreContract
import StateStoreSQLite
import Testing

/// Migrations, and the files prenv must refuse with a message a user can act on.
@Suite struct SQLiteSchemaTests {
    @Test func migrationRecordsTheSchemaVersion() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            _ = try SQLiteStateStore(path: path)
            #expect(SQLiteStateStore.schemaVersion == 9)
            #expect(try rawSQL(path, "PRAGMA user_version") == ["9"])
            #expect(try rawSQL(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                == ["environments", "github_comments", "github_deployments", "nodes", "sqlite_sequence", "state_facts", "webhook_deliveries", "webhook_progress", "workers"])
            _ = try SQLiteStateStore(path: path)  // reopening an up-to-date file migrates nothing
            #expect(try rawSQL(path, "PRAGMA user_version") == ["9"])
        }
    }

    @Test func databaseFromANewerPrenvIsRefused() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            try await SQLiteStateStore(path: path).save(StateStoreFixtures.record())
            try rawSQL(path, "PRAGMA user_version = 99")
            let error = #expect(throws: SQLiteSchemaError.self) { try SQLiteStateStore(path: path) }
            #expect(error == .newerThanSupported(path: path, found: 99, supported: 9))
            #expect(error?.description == "state database was written by a newer prenv: \(path) has schema "
                + "version 99, this prenv knows up to 9; upgrade prenv, or point --state at another file")
            #expect(try rawSQL(path, "PRAGMA user_version") == ["99"])  // left as it was
        }
    }

    @Test func randomBytesGiveAnErrorNamingTheFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<16_384).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SQLiteError.self) { try SQLiteStateStore(path: path) }
            #expect(error?.isCorruptDatabase == true)
            #expect(error?.path == path)
            #expect(error?.description.contains("state database \(path): open failed: file is not a database") == true)
            #expect(error?.description.contains("move it aside") == true)
        }
    }

    @Test func aDirectoryInTheWayGivesAnErrorNamingThePath() async throws {
        try await withTemporaryDirectory { directory in
            let blocker = directory + "/not-a-directory"
            try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
            let path = blocker + "/state.sqlite"
            let error = #expect(throws: SQLiteError.self) { try SQLiteStateStore(path: path) }
            #expect(error?.description.contains(path) == true)
            #expect(error?.operation == "create directory \(blocker)")
        }
    }

    @Test func undecodableRowNamesTheEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let store = try SQLiteStateStore(path: path)
            let record = StateStoreFixtures.record()
            try await store.save(record)
            try rawSQL(path, "UPDATE environments SET phase_json = '{\"exploded\": {}}'")
            let error = await #expect(throws: SQLiteSchemaError.self) { try await store.load(record.key) }
            #expect(error?.description.hasPrefix("state database \(path): cannot read the phase of acme/web#5/webapp:") == true)
        }
    }

    /// The gauge's phase names come from SQLite's JSON functions: a phase that is not an object
    /// names the environment, as decoding it would; text that is not JSON is SQLite's own error.
    @Test func phaseNamesOfAnUnreadableRowNameTheEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory + "/state.sqlite"
            let sqlite = try SQLiteStateStore(path: path)
            let store: any StateStore = sqlite  // the protocol's witness is SQLite's, not the decoding default
            let record = StateStoreFixtures.record()
            try await store.save(record)
            try rawSQL(path, "UPDATE environments SET phase_json = '\"ready\"'")
            let error = await #expect(throws: SQLiteSchemaError.self) { try await store.phaseNames() }
            #expect(error?.description.hasPrefix("state database \(path): cannot read the environment phase of acme/web#5/webapp") == true,
                    "\(String(describing: error))")
            try rawSQL(path, "UPDATE environments SET phase_json = '{not json'")
            await #expect(throws: (any Error).self) { try await store.phaseNames() }
            let workers: any WorkerStore = sqlite
            try await workers.saveWorker(WorkerStoreContract.record(revision: 1))
            try rawSQL(path, "UPDATE workers SET record_json = json_set(record_json, '$.machine.phase', 'ready')")
            let workerError = await #expect(throws: SQLiteSchemaError.self) { try await workers.workerPhaseNames() }
            #expect(workerError?.description.hasPrefix("state database \(path): cannot read the worker record's phase of acme/web#5/webapp") == true,
                    "\(String(describing: workerError))")
        }
    }
}
