import Logging
import PostgresNIO

/// What a PostgreSQL database holds of prenv's schema, read without changing anything: for
/// `prenv doctor` (which must not migrate what it checks) and `prenv gc` (which must not take a
/// database prenv never used for a state that lost its environments).
public enum PostgresSchema {
    /// What `version(at:)` found, beside what this build writes.
    public enum Status: Sendable, Hashable {
        /// No prenv table yet: `prenv serve` (or any command that opens the state) creates it.
        case none
        /// At this build's version.
        case current(Int)
        /// Older: the next `open` migrates it.
        case older(Int, current: Int)
        /// A newer prenv migrated it: this one refuses to open it.
        case newer(Int, supported: Int)

        init(found: Int) {
            let current = PostgresState.currentSchemaVersion
            self = found == 0 ? .none : found == current ? .current(found) : found < current ? .older(found, current: current) : .newer(found, supported: current)
        }
    }

    /// Connects once to `location` (never through a pool: a wrong password or an unreachable host is
    /// said at once, not retried) and reads the highest applied schema version, 0 when prenv's
    /// schema table does not exist.
    /// - Parameter connectTimeout: how long to wait for the connection (postgres-nio's default: 10 s).
    /// - Throws: `PostgresStateError` naming the location, never the password.
    public static func version(at location: PostgresLocation, connectTimeout: Duration? = nil, logger: Logger) async throws -> Int {
        let tls = try PostgresTLS(location.tls, location: location)
        var configuration = tls.connectionConfiguration(location)
        if let connectTimeout {
            configuration.options.connectTimeout = .nanoseconds(connectTimeout.components.seconds * 1_000_000_000
                + connectTimeout.components.attoseconds / 1_000_000_000)
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw PostgresStateError.mapping(error, operation: "connect", location: location)
        }
        do {
            let exists = try await connection.query("SELECT to_regclass('prenv_schema') IS NOT NULL", logger: logger)
            var found = false
            for try await value in exists.decode(Bool.self) { found = value }
            let version = found ? try await PostgresMigrations.schemaVersion(connection, logger: logger) : 0
            try? await connection.close()
            return version
        } catch {
            try? await connection.close()
            throw PostgresStateError.mapping(error, operation: "read the schema version", location: location)
        }
    }

    /// `version(at:)` against this build's version.
    public static func status(at location: PostgresLocation, connectTimeout: Duration? = nil, logger: Logger) async throws -> Status {
        Status(found: try await version(at: location, connectTimeout: connectTimeout, logger: logger))
    }
}
