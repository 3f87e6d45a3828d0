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
            self.configuration = configuration
        case .verifyFull:
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
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
        PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: context.map { .require($0) } ?? .disable)
    }

    func clientConfiguration(_ location: PostgresLocation) -> PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: configuration.map { .require($0) } ?? .disable)
    }
}
