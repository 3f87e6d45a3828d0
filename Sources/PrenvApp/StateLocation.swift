import Foundation
import StateStorePostgres
import StateStoreSQLite

/// Where prenv's state lives, as `--state` / `PRENV_STATE` names it: a SQLite file (the embedded
/// default) or a PostgreSQL database shared by several replicas. Every command reads its `--state`
/// through `parse`, so the scheme is dispatched in one place and both stores mean the same flag.
public enum StateLocation: Sendable, Hashable, CustomStringConvertible {
    /// A database file, or `:memory:`.
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// `sqlite:PATH` (relative to `workingDirectory`; nil or `sqlite:` means the default file) or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=…]` with the password from the URL,
    /// `PGPASSWORD` or `PRENV_STATE_PASSWORD_FILE` in `environment`.
    /// - Parameter warn: hears what works but should be fixed (a password file others may read).
    public static func parse(
        _ url: String?, workingDirectory: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment, warn: (String) -> Void = { _ in }
    ) throws(StartupError) -> StateLocation {
        if let url, isPostgres(url) {
            do {
                return .postgres(try PostgresLocation.parse(url, environment: environment, warn: warn))
            } catch {
                throw StartupError(error.description)
            }
        }
        do {
            return .sqlite(path: try SQLiteStateStore.parse(url: url, workingDirectory: workingDirectory))
        } catch {
            throw StartupError(String(describing: error))
        }
    }

    /// Whether `url` names PostgreSQL (`postgres:` or `postgresql:`, any case).
    static func isPostgres(_ url: String) -> Bool {
        let lowered = url.prefix(12).lowercased()
        return lowered.hasPrefix("postgres:") || lowered.hasPrefix("postgresql:")
    }

    /// What errors and log lines show: `sqlite:/path` or the PostgreSQL location without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}
