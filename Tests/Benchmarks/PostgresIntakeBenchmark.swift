import Foundation
import Logging
import Orchestrator
import PostgresNIO
import StateStorePostgres

/// The same burst as `benchmarkIntake`, recorded in PostgreSQL: one replica, then three (three
/// intake servers, each with its own pool, sharing one database, requests round-robin as a load
/// balancer would spread them). Each run gets a fresh database, since the burst's content keys
/// would otherwise be duplicates of the previous run's. Needs `PRENV_TEST_POSTGRES_URL` (`make
/// bench` starts a throwaway server; `infra/postgres/with-postgres` does it by hand).
func benchmarkPostgresIntake(events: Int, concurrency: Int, replicas: Int, stateWrites: Bool = false) async throws {
    guard let url = ProcessInfo.processInfo.environment["PRENV_TEST_POSTGRES_URL"] else {
        throw BenchmarkSetupError(description: "PRENV_TEST_POSTGRES_URL is not set: run `make bench`, or wrap the benchmark in infra/postgres/with-postgres DIR --")
    }
    let server = try PostgresLocation.parse(url, environment: [:])
    var location = server
    location.database = "prenv_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    let quiet = Logger(label: "prenv.bench", factory: { _ in SwiftLogNoOpLogHandler() })
    // The name is made here (hex digits), never taken from input.
    try await executeOnce("CREATE DATABASE \(location.database)", on: server, logger: quiet)
    var states: [PostgresState] = []
    do {
        for _ in 0..<replicas { states.append(try await PostgresState.open(location, logger: quiet)) }
        let key = EnvironmentKey(repository: "acme/busy", pr: 1, blueprint: "webapp")
        try await states[0].store.save(EnvironmentRecord(key: key, envName: "busy", headSHA: "a", state: .provisioning(sha: "a"), updatedAt: Date()))
        try await measureIntake(label: "PostgreSQL", replicas: states.map(\.inbox), events: events, concurrency: concurrency,
                                stateWrites: stateWrites ? states[0].store : nil, nodeKey: key)
    } catch {
        for state in states { await state.close() }
        try? await executeOnce("DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)", on: server, logger: quiet)
        throw error
    }
    for state in states { await state.close() }
    try await executeOnce("DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)", on: server, logger: quiet)
}

struct BenchmarkSetupError: Error, CustomStringConvertible {
    var description: String
}

/// One statement on a connection of its own, to the server's own database.
private func executeOnce(_ sql: String, on location: PostgresLocation, logger: Logger) async throws {
    let connection = try await PostgresConnection.connect(
        configuration: .init(host: location.host, port: location.port, username: location.user, password: location.password,
                             database: location.database, tls: .disable),
        id: 1, logger: logger)
    do {
        _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    } catch {
        try? await connection.close()
        throw error
    }
    try await connection.close()
}
