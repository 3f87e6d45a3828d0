import Foundation
import Logging
import PostgresNIO

/// The shared state of `prenv serve` replicas in one PostgreSQL database (14 or newer): the
/// environment and worker store, the webhook inbox, and (for the replica machinery) the client
/// they all share.
///
/// `open` connects once on its own to say clearly what is wrong when the database cannot be used
/// (the pool would retry quietly for a minute), migrates over that connection, then starts the
/// pool. `close()` stops the pool; every store operation fails afterwards. Close it: the pool's
/// task runs until then.
public final class PostgresState: Sendable {
    /// The schema version this build writes; `open` migrates older databases to it.
    public static var currentSchemaVersion: Int { PostgresMigrations.latestVersion }

    public let store: PostgresStateStore
    public let inbox: PostgresEventInbox
    /// For the lease store, work signal and leader election of this target: the pool every store
    /// shares. Runs until `close()`.
    let client: PostgresClient
    /// Where `client` points (its `description` is safe to log).
    let location: PostgresLocation
    let logger: Logger
    let pool: PostgresPool
    /// Runs `client.run()`; cancelled by `close()`.
    private let runner: Task<Void, Never>

    private init(client: PostgresClient, location: PostgresLocation, logger: Logger) {
        self.client = client
        self.location = location
        self.logger = logger
        let pool = PostgresPool(client: client, location: location, logger: logger)
        self.pool = pool
        store = PostgresStateStore(pool: pool)
        inbox = PostgresEventInbox(pool: pool)
        runner = Task { await client.run() }
    }

    /// Connects to `location`, checks the server answers, migrates the schema, and starts the pool.
    ///
    /// - Parameter maximumConnections: the pool's size (each replica holds up to this many).
    /// - Throws: `PostgresStateError` naming the location (never the password): "PostgreSQL is not
    ///   reachable at …" for a refused or timed-out connection, PostgreSQL's SQLSTATE and message for
    ///   a wrong password or a missing database, `.schemaTooNew` for a newer prenv's database.
    public static func open(_ location: PostgresLocation, logger: Logger, maximumConnections: Int = 20) async throws -> PostgresState {
        let tls = try PostgresTLS(location.tls, location: location)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: tls.connectionConfiguration(location), id: 0, logger: logger)
        } catch {
            throw PostgresStateError.mapping(error, operation: "connect", location: location)
        }
        do {
            let applied = try await PostgresMigrations.migrate(connection, location: location, logger: logger)
            if !applied.isEmpty {
                logger.info("migrated the PostgreSQL state", metadata: [
                    "location": "\(location)", "versions": "\(applied.map(String.init).joined(separator: ","))",
                ])
            }
        } catch {
            try? await connection.close()
            throw PostgresStateError.mapping(error, operation: "migrate", location: location)
        }
        try? await connection.close()
        var configuration = tls.clientConfiguration(location)
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return PostgresState(client: client, location: location, logger: logger)
    }

    /// Stops the pool and waits for it to close its connections.
    public func close() async {
        runner.cancel()
        await runner.value
    }

    /// The highest schema version recorded in the database.
    public func schemaVersion() async throws -> Int {
        try await pool.read("schemaVersion") { connection in
            try await PostgresMigrations.schemaVersion(connection, logger: logger)
        }
    }
}
