import Foundation
import Logging
import PostgresNIO

/// Replica coordination over an opened state: the lease store shares the state's pool; the work
/// signal, leader and state lock open connections of their own to the same database (same
/// location, same TLS), as session state needs.
extension PostgresState {
    /// Dedicated connections to this state's database.
    public func leaseSessions() throws -> PostgresLeaseSessions {
        PostgresLeaseSessions(configuration: try PostgresTLS(location.tls, location: location).connectionConfiguration(location))
    }

    public func leaseStore() -> PostgresLeaseStore {
        PostgresLeaseStore(client: client, logger: logger)
    }

    /// Wake-ups for the replica `replica` (its id names the listening connection).
    public func workSignal(replica: String) throws -> PostgresWorkSignal {
        PostgresWorkSignal(client: client, sessions: try leaseSessions(), replica: replica, logger: logger)
    }

    /// `replica`'s candidacy for running the singletons.
    public func leader(replica: String) throws -> PostgresLeader {
        PostgresLeader(sessions: try leaseSessions(), replica: replica, logger: logger)
    }

    /// Takes the serve/gc lock of this state for `holder`; throws `PostgresStateLock.Failure` when
    /// the other kind holds it.
    public func stateLock(_ holder: PostgresStateLock.Holder) async throws -> PostgresStateLock {
        try await PostgresStateLock.take(holder, sessions: try leaseSessions(), logger: logger)
    }
}
