import Logging
import PostgresNIO
@testable import StateStorePostgres
import Testing

/// Every session prenv opens carries the server-side limits that keep a paused or cut-off replica
/// from holding a lease row's lock for long (`PostgresTLS.sessionParameters`).
@Suite struct PostgresSessionSettingsTests {
    @Test func thePoolsSessionsEndIdleTransactionsAndProbeVanishedPeers() async throws {
        try await PostgresTestDatabase.withState { state, _ in
            var shown: [String: String] = [:]
            for name in ["idle_in_transaction_session_timeout", "tcp_keepalives_idle", "tcp_keepalives_interval", "tcp_keepalives_count"] {
                let rows = try await state.client.query(PostgresQuery(unsafeSQL: "SHOW \(name)"), logger: Logger(label: "test"))
                for try await value in rows.decode(String.self) { shown[name] = value }
            }
            #expect(shown["idle_in_transaction_session_timeout"] == "10s", "\(shown)")
            #expect(shown["tcp_keepalives_count"] == "3", "\(shown)")
            #expect(shown["tcp_keepalives_idle"] == "30", "\(shown)")
        }
    }
}
