import Crypto
import Foundation
import StateStoreSQLite

/// Which prenv installation this process is (`PRENV_INSTANCE`): the value of the `prenv:instance`
/// tag on everything it creates, and the only resources it ever changes, deletes or calls orphans.
/// Two installations sharing an AWS account must differ here, or each would see the other's
/// resources as its own orphans.
///
/// Without `PRENV_INSTANCE`, the identity is derived from the state location, so two installations
/// with different state files differ without configuration and one installation keeps its identity
/// across restarts. Moving the state file changes a derived identity (and orphans everything made
/// under the old one from the new one's point of view), hence the hint printed at start.
public struct InstanceIdentity: Sendable, Equatable, CustomStringConvertible {
    public static let variable = "PRENV_INSTANCE"
    /// 1…64 characters: tag values allow more, but this set is safe in tags, names and log lines alike.
    public static let allowedCharacters = "A-Za-z0-9._:/=+@-"
    public static let maxLength = 64

    public enum Source: Sendable, Equatable {
        /// From the `PRENV_INSTANCE` environment variable.
        case environment
        /// `prenv-` + 12 hex characters of SHA-256 over the absolute state location shown here.
        case derived(stateLocation: String)
    }

    public var value: String
    public var source: Source

    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    /// The line `serve`, `up` and `down` print at start.
    public var description: String {
        switch source {
        case .environment:
            "prenv instance: \(value) (from \(Self.variable))"
        case .derived(let location):
            "prenv instance: \(value) (derived from \(location); set \(Self.variable) to keep it when the state moves)"
        }
    }

    /// `PRENV_INSTANCE` when set (blank counts as unset, like every prenv setting), validated; else
    /// derived from `stateURL` (`sqlite:PATH`, relative paths taken from `workingDirectory`).
    public static func resolve(
        environment: [String: String], stateURL: String, workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(StartupError) -> InstanceIdentity {
        if let raw = environment[variable], !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            try validate(raw)
            return InstanceIdentity(value: raw, source: .environment)
        }
        let location: String
        do {
            let path = try SQLiteStateStore.parse(url: stateURL, workingDirectory: workingDirectory)
            location = "sqlite:" + (path == ":memory:" ? path : URL(fileURLWithPath: path).standardizedFileURL.path)
        } catch {
            throw StartupError("cannot derive the prenv instance from state store \(stateURL): \(error); set \(variable)")
        }
        return InstanceIdentity(value: derive(fromStateLocation: location), source: .derived(stateLocation: location))
    }

    /// `prenv-` + the first 12 hex characters of SHA-256 over `location`'s path (what follows
    /// `sqlite:`; the whole text for any other scheme).
    public static func derive(fromStateLocation location: String) -> String {
        let hashed = location.hasPrefix("sqlite:") ? String(location.dropFirst("sqlite:".count)) : location
        let hex = SHA256.hash(data: Data(hashed.utf8)).map { String(format: "%02x", $0) }.joined()
        return "prenv-" + hex.prefix(12)
    }

    /// 1…64 characters of `[A-Za-z0-9._:/=+@-]`; the error names the variable and what is wrong,
    /// showing the value only escaped (it may hold anything, control characters included).
    static func validate(_ value: String) throws(StartupError) {
        let scalars = value.unicodeScalars
        guard (1...maxLength).contains(scalars.count) else {
            throw StartupError("\(variable) must be 1 to \(maxLength) characters of [\(allowedCharacters)], got \(scalars.count) characters")
        }
        let allowed = CharacterSet(charactersIn: "._:/=+@-")
        if let bad = scalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || allowed.contains($0))) }) {
            throw StartupError("\(variable) must be 1 to \(maxLength) characters of [\(allowedCharacters)]; "
                + "\(value.debugDescription) contains \(bad.escaped(asASCII: true))")
        }
    }
}
