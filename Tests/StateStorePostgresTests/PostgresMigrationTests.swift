import Foundation
import Orchestrator
import PostgresNIO
import StateStorePostgres
import Testing

/// `PostgresState.open` migrates: once, under a lock, and never a newer prenv's database.
@Suite struct PostgresMigrationTests {
    @Test func freshDatabaseReachesTheCurrentVersion() async throws {
        try await PostgresTestDatabase.withState { state, location in
            #expect(try await state.schemaVersion() == PostgresState.currentSchemaVersion)
            let versions = try await PostgresTestDatabase.rows("SELECT version FROM prenv_schema ORDER BY version", on: location)
                .map { try $0.decode(Int.self) }
            #expect(versions == Array(1...PostgresState.currentSchemaVersion))
            // The lease table is the other stores' contract: exactly these columns and types.
            let columns = try await PostgresTestDatabase.rows(
                """
                SELECT column_name, data_type, is_nullable FROM information_schema.columns
                WHERE table_name = 'prenv_leases' ORDER BY ordinal_position
                """, on: location
            ).map { try $0.decode((String, String, String).self) }
            #expect(columns.map(\.0) == ["key", "holder", "token", "expires_at"])
            #expect(columns.map(\.1) == ["text", "text", "bigint", "timestamp with time zone"])
            #expect(columns.allSatisfy { $0.2 == "NO" })
        }
    }

    /// Two replicas starting at once on a fresh database: both open, the schema is migrated once.
    @Test func concurrentOpensMigrateOnce() async throws {
        try await PostgresTestDatabase.withDatabase { location in
            async let first = PostgresState.open(location, logger: PostgresTestDatabase.quietLogger, maximumConnections: 2)
            async let second = PostgresState.open(location, logger: PostgresTestDatabase.quietLogger, maximumConnections: 2)
            let states = try await [first, second]
            for state in states {
                #expect(try await state.schemaVersion() == PostgresState.currentSchemaVersion)
                await state.close()
            }
            let rows = try await PostgresTestDatabase.rows(
                "SELECT version, count(*) FROM prenv_schema GROUP BY version ORDER BY version", on: location
            ).map { try $0.decode((Int, Int).self) }
            #expect(rows.map(\.0) == Array(1...PostgresState.currentSchemaVersion))
            #expect(rows.allSatisfy { $0.1 == 1 })
        }
    }

    @Test func aNewerDatabaseIsRefusedWithBothVersions() async throws {
        try await PostgresTestDatabase.withDatabase { location in
            let state = try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger, maximumConnections: 1)
            await state.close()
            let newer = PostgresState.currentSchemaVersion + 1
            try await PostgresTestDatabase.execute(
                "INSERT INTO prenv_schema (version, name, applied_at) VALUES (\(newer), 'from the future', now())", on: location)
            let error = await #expect(throws: PostgresStateError.self) {
                try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger)
            }
            #expect(error?.reason == .schemaTooNew(found: newer, supported: PostgresState.currentSchemaVersion))
            let message = error?.description ?? ""
            #expect(message.contains("schema version \(newer)"))
            #expect(message.contains("knows up to \(PostgresState.currentSchemaVersion)"))
            #expect(message.contains("upgrade prenv"))
        }
    }

    /// Opening a migrated database again changes nothing in its schema table and keeps its data.
    @Test func reopenIsANoOp() async throws {
        try await PostgresTestDatabase.withDatabase { location in
            let first = try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger, maximumConnections: 1)
            let id = try await first.store.instanceID(proposing: "instance-1")
            await first.close()
            let before = try await PostgresTestDatabase.rows(
                "SELECT version, name, applied_at FROM prenv_schema ORDER BY version", on: location
            ).map { try $0.decode((Int, String, Date).self) }

            let second = try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger, maximumConnections: 1)
            #expect(try await second.schemaVersion() == PostgresState.currentSchemaVersion)
            #expect(try await second.store.instanceID(proposing: "instance-2") == id)
            await second.close()
            let after = try await PostgresTestDatabase.rows(
                "SELECT version, name, applied_at FROM prenv_schema ORDER BY version", on: location
            ).map { try $0.decode((Int, String, Date).self) }
            #expect(after.map(\.0) == before.map(\.0))
            #expect(after.map(\.2) == before.map(\.2))
        }
    }
}
