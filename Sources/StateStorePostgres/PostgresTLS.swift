import PostgresNIO

/// `PostgresLocation.TLSMode` as postgres-nio's two configurations (the one-off connection `open`
/// checks with, and the pool): `disable`, `require` (encrypted, certificate not verified, like
/// libpq's `require`), `verify-full` (the system's roots, and the host name, which postgres-nio
/// checks against the certificate when `host` is a name rather than an IP address).
struct PostgresTLS {
    private let configuration: TLSConfiguration?
    private let context: NIOSSLContext?

    init(_ mode: PostgresLocation.TLSMode, location: PostgresLocation) throws {
        switch mode {
        case .disable:
            configuration = nil
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            configuration.minimumTLSVersion = .tlsv12
            self.configuration = configuration
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            configuration.minimumTLSVersion = .tlsv12
            self.configuration = configuration
        }
        do {
            context = try configuration.map { try NIOSSLContext(configuration: $0) }
        } catch {
            throw PostgresStateError(operation: "set up TLS", location: location.description,
                                     reason: .handshake(detail: "TLS could not be configured: \(error)"))
        }
    }

    func connectionConfiguration(_ location: PostgresLocation) -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: context.map { .require($0) } ?? .disable)
        configuration.options.additionalStartupParameters.append(contentsOf: Self.sessionParameters)
        return configuration
    }

    func clientConfiguration(_ location: PostgresLocation) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: configuration.map { .require($0) } ?? .disable)
        configuration.options.additionalStartupParameters.append(contentsOf: Self.sessionParameters)
        return configuration
    }

    /// Server-side limits on every session prenv opens, so a replica that is paused or cut off in
    /// the middle of a transaction cannot hold a lease row's lock (and with it every other
    /// replica's take-over) for long: the server ends a transaction idle for 10 s (prenv's own
    /// transactions never wait between statements), and its TCP keepalives notice a vanished peer
    /// within about a minute instead of the kernel's two hours.
    static let sessionParameters: [(String, String)] = [
        ("idle_in_transaction_session_timeout", "10000"),
        ("tcp_keepalives_idle", "30"),
        ("tcp_keepalives_interval", "10"),
        ("tcp_keepalives_count", "3"),
    ]
}
