import Foundation
import Logging
import PostgresNIO
import StateStorePostgres

/// A fresh database of its own for one replica-coordination test, on the throwaway server, with
/// prenv's schema (`PostgresState.open` migrated it).
struct PostgresLeaseTestDatabase {
    let name: String
    let location: PostgresLocation
    let connection: PostgresConnection.Configuration
    let client: PostgresClient.Configuration

    /// Creates `prenv_repl_<random>` and its schema.
    static func create() async throws -> PostgresLeaseTestDatabase {
        let server = try PostgresTestServer.url()
        guard let url = URLComponents(string: server), let host = url.host, let user = url.user else {
            throw Unusable(reason: "PRENV_TEST_POSTGRES_URL is not a postgres:// URL with a host and a user")
        }
        let port = url.port ?? 5432
        let password = url.password?.removingPercentEncoding
        let name = "prenv_repl_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: String(url.path.dropFirst()), tls: .disable)
        let logger = Logger(label: "test-admin")
        let connection = try await PostgresConnection.connect(configuration: admin, id: 0, logger: logger)
        do {
            // The name is ours (hex), never input: CREATE DATABASE takes no parameters.
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        try? await connection.close()
        var pool = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: name, tls: .disable)
        pool.options.maximumConnections = 24
        pool.options.keepAliveBehavior = nil
        let database = PostgresLeaseTestDatabase(
            name: name,
            location: PostgresLocation(host: host, port: port, user: user, password: password, database: name, tls: .disable),
            connection: PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: name, tls: .disable),
            client: pool)
        try await database.createSchema()
        return database
    }

    var sessions: PostgresLeaseSessions { PostgresLeaseSessions(configuration: connection) }

    /// Runs `body` with a running pool on this database.
    func withClient<T>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: client, backgroundLogger: Logger(label: "test-pool"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// A connection of the test's own, outside the pool and the code under test.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(configuration: connection, id: 1, logger: Logger(label: "test-admin"))
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs `query` on a connection of the test's own; the first column of each row, as `T`.
    func values<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> [T] {
        try await withConnection { connection in
            var values: [T] = []
            for try await value in try await connection.query(query, logger: Logger(label: "test-admin")).decode(T.self) { values.append(value) }
            return values
        }
    }

    func execute(_ query: PostgresQuery) async throws {
        try await withConnection { connection in _ = try await connection.query(query, logger: Logger(label: "test-admin")) }
    }

    /// Terminates this database's backends whose `application_name` is `applicationName`; how many.
    func terminate(applicationName: String) async throws -> Int {
        let killed: [Bool] = try await values("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = \(name) AND application_name = \(applicationName)
            """)
        return killed.filter { $0 }.count
    }

    /// How many of this database's backends are named `applicationName`.
    func sessions(named applicationName: String) async throws -> Int {
        let counts: [Int64] = try await values(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = \(name) AND application_name = \(applicationName)")
        return Int(counts.first ?? 0)
    }

    private func createSchema() async throws {
        let state = try await PostgresState.open(location, logger: Logger(label: "test-migrate", factory: { _ in SwiftLogNoOpLogHandler() }))
        await state.close()
    }

    /// Records a pending (or processed) inbox event for the PR `key`.
    func addEvent(_ key: String, processed: Bool = false) async throws {
        try await execute("""
            INSERT INTO prenv_inbox (delivery_id, content_key, event, key, payload, received_at, processed)
            VALUES (convert_to(gen_random_uuid()::text, 'UTF8'), convert_to(gen_random_uuid()::text, 'UTF8'), 'pull_request',
                    \(key), '\\x7b7d'::bytea, now(), \(processed))
            """)
    }

    /// Records a worker of the PR `leaseKey` (`owner/name#N`), its record a stand-in.
    func addWorker(_ leaseKey: String, blueprint: String = "web", needsOwner: Bool) async throws {
        try await execute("""
            INSERT INTO prenv_workers (repository, pr, blueprint, lease_key, revision, needs_owner, record_json, updated_at)
            VALUES (split_part(\(leaseKey), '#', 1), split_part(\(leaseKey), '#', 2)::bigint, \(blueprint), \(leaseKey), 1,
                    \(needsOwner), '{}', now())
            """)
    }

    struct Unusable: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }
}

/// Waits until `condition` holds, checking every `every`; throws `TimedOut` naming `what` after `limit`.
func eventually(
    _ what: String, within limit: Duration = .seconds(10), every: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what, limit: limit) }
        try await Task.sleep(for: every)
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var what: String
    var limit: Duration
    var description: String { "timed out after \(limit) waiting for \(what)" }
}
