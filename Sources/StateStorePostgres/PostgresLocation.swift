import Foundation

/// Where the shared state lives: what a `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]`
/// `--state`/`PRENV_STATE` names, with the password from the URL, `PGPASSWORD` or a file.
///
/// Its `description` never shows the password: it is what logs, errors and `prenv doctor` print.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    /// libpq's `sslmode` values prenv supports. `prefer` (libpq's default) is not offered: it falls
    /// back to plain text without saying so, which is not what someone who wrote nothing expects
    /// from a tool holding cloud credentials' work. The default is `require` for a remote host and
    /// `disable` for loopback.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        case disable
        /// Encrypted, server certificate not verified.
        case require
        /// Encrypted, certificate chain and host name verified against the system's roots.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// `postgres://prenv@db.internal:5432/prenv?sslmode=require`: no password, ever.
    public var description: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostPart):\(port)/\(database)?sslmode=\(tls.rawValue)"
    }
}
