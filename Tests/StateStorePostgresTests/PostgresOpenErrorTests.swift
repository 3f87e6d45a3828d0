import Foundation
import Orchestrator
import PostgresNIO
import StateStorePostgres
import Testing

/// What `PostgresState.open` says when the database cannot be used: which location, what went
/// wrong, never the password.
@Suite struct PostgresOpenErrorTests {
    @Test func unreachablePortSaysNotReachable() async throws {
        var location = try PostgresTestDatabase.serverLocation()
        location.port = try await Self.closedPort()
        location.password = "unreachable-secret-9f3b"
        let error = await #expect(throws: PostgresStateError.self) {
            try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger)
        }
        let message = error?.description ?? ""
        #expect(message.contains("PostgreSQL is not reachable at \(location.description)"))
        #expect(message.contains("connection refused"))
        #expect(!message.contains("unreachable-secret-9f3b"))
        #expect(!String(reflecting: error as Any).contains("unreachable-secret-9f3b"))
    }

    @Test func wrongPasswordNamesAuthentication() async throws {
        var location = try PostgresTestDatabase.serverLocation()
        location.password = "wrong-secret-51c2"
        let error = await #expect(throws: PostgresStateError.self) {
            try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger)
        }
        #expect(error?.sqlState == "28P01")
        let message = error?.description ?? ""
        #expect(message.contains("password authentication failed"))
        #expect(message.contains(location.description))
        #expect(!message.contains("wrong-secret-51c2"))
        #expect(!String(reflecting: error as Any).contains("wrong-secret-51c2"))
    }

    @Test func missingDatabaseIsNamed() async throws {
        var location = try PostgresTestDatabase.serverLocation()
        let password = try #require(location.password)
        location.database = "prenv_missing_" + UUID().uuidString.prefix(8).lowercased()
        let error = await #expect(throws: PostgresStateError.self) {
            try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger)
        }
        #expect(error?.sqlState == "3D000")
        let message = error?.description ?? ""
        #expect(message.contains("database \"\(location.database)\" does not exist"))
        #expect(!message.contains(password))
    }

    /// TLS required of a server that offers none: refused, not silently plain text.
    @Test func requiredTLSIsNotDowngraded() async throws {
        var location = try PostgresTestDatabase.serverLocation()
        location.tls = .require
        let error = await #expect(throws: PostgresStateError.self) {
            try await PostgresState.open(location, logger: PostgresTestDatabase.quietLogger)
        }
        #expect(error?.description.contains("TLS") == true)
    }

    /// A loopback port nothing listens on (bound, then released).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}
