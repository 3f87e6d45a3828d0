import Foundation
import Logging
import PostgresNIO
import StateStorePostgres

/// Databases of their own for tests on the throwaway server: each made fresh
/// (`prenv_test_<random>`), used, and dropped again.
enum PostgresTestDatabase {
    /// The server's own database (`PRENV_TEST_POSTGRES_URL`), where test databases are made.
    static func serverLocation() throws -> PostgresLocation {
        let url = try PostgresTestServer.url()
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw BadURL()
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        return PostgresLocation(host: host, port: components.port ?? 5432, user: user, password: components.password,
                                database: database.isEmpty ? "prenv" : database, tls: .disable)
    }

    struct BadURL: Error, CustomStringConvertible {
        var description: String { "PRENV_TEST_POSTGRES_URL is not a postgres://USER:PASSWORD@HOST:PORT/DB URL" }
    }

    static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A new, empty database; its name is made here (hex digits), never taken from input.
    static func create() async throws -> PostgresLocation {
        var location = try serverLocation()
        let name = "prenv_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await execute(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), on: location)
        location.database = name
        return location
    }

    /// Drops `location`'s database, closing whatever connections are still in it.
    static func drop(_ location: PostgresLocation) async {
        var server = location
        guard let original = try? serverLocation() else { return }
        server.database = original.database
        try? await execute(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)"), on: server)
    }

    /// Runs `body` with a fresh database, dropped afterwards.
    static func withDatabase<Result>(_ body: (PostgresLocation) async throws -> Result) async throws -> Result {
        let location = try await create()
        do {
            let result = try await body(location)
            await drop(location)
            return result
        } catch {
            await drop(location)
            throw error
        }
    }

    /// Runs `body` with a `PostgresState` opened on a fresh database; closed and dropped afterwards.
    static func withState<Result>(
        maximumConnections: Int = 8, _ body: (PostgresState, PostgresLocation) async throws -> Result
    ) async throws -> Result {
        try await withDatabase { location in
            let state = try await PostgresState.open(location, logger: quietLogger, maximumConnections: maximumConnections)
            do {
                let result = try await body(state, location)
                await state.close()
                return result
            } catch {
                await state.close()
                throw error
            }
        }
    }

    /// One statement on a connection of its own (what an operator's psql would do).
    static func execute(_ query: PostgresQuery, on location: PostgresLocation) async throws {
        _ = try await rows(query, on: location)
    }

    /// The rows of one statement, read on a connection of its own.
    static func rows(_ query: PostgresQuery, on location: PostgresLocation) async throws -> [PostgresRow] {
        try await withConnection(to: location) { connection in
            try await connection.query(query, logger: quietLogger).collect()
        }
    }

    static func withConnection<Result>(to location: PostgresLocation, _ body: (PostgresConnection) async throws -> Result)
        async throws -> Result
    {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: quietLogger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// The single value of a one-row, one-column query.
    static func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type, on location: PostgresLocation) async throws -> T? {
        try await rows(query, on: location).first?.decode(T.self)
    }
}
