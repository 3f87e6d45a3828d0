import Foundation
import Orchestrator

/// Which prenv installation this process is (`PRENV_INSTANCE`): the value of the `prenv:instance`
/// tag on everything it creates, and the only resources it ever changes, deletes or calls orphans.
/// Two installations sharing an AWS account must differ here, or each would see the other's
/// resources as its own orphans and its sweep would delete them.
///
/// Without `PRENV_INSTANCE`, the identity is made at random the first time a state store is used and
/// kept in it (`StateStore.instanceID`), so every process on that state (serve, up, down, gc, a
/// restart) agrees without configuration. Why not a hash of the state's path, which would survive
/// losing the file: two installations on two machines (or two containers of one image) commonly
/// share a path such as `/app/.prenv/state.sqlite`, and the same identity would make each delete the
/// other's environments. A random one cannot collide; the cost is that a lost state file loses it,
/// so the line printed at start says which value to set in `PRENV_INSTANCE`, and every resource
/// carries it in its `prenv:instance` tag.
public struct InstanceIdentity: Sendable, Equatable, CustomStringConvertible {
    public static let variable = "PRENV_INSTANCE"
    /// 1…64 characters: tag values allow more, but this set is safe in tags, names and log lines alike.
    public static let allowedCharacters = "A-Za-z0-9._:/=+@-"
    public static let maxLength = 64

    public enum Source: Sendable, Equatable {
        /// From the `PRENV_INSTANCE` environment variable.
        case environment
        /// Kept in the state store at `state`; `created` when this process made it.
        case stored(state: String, created: Bool)
    }

    public var value: String
    public var source: Source

    public init(value: String, source: Source) {
        self.value = value
        self.source = source
    }

    /// The line `serve`, `up`, `down` and `gc` print at start.
    public var description: String {
        switch source {
        case .environment:
            "prenv instance: \(value) (from \(Self.variable))"
        case .stored(let state, let created):
            "prenv instance: \(value) (\(created ? "new, kept" : "kept") in \(state); set \(Self.variable)=\(value) so that a lost "
                + "or moved state file does not lose track of this instance's resources)"
        }
    }

    /// `PRENV_INSTANCE` when set (blank counts as unset, like every prenv setting), validated; else
    /// the id kept in `store` (`stateURL` names it in the printed line), made now if it has none.
    public static func resolve(environment: [String: String], store: any StateStore, stateURL: String) async throws(StartupError) -> InstanceIdentity {
        if let value = try fromEnvironment(environment) { return InstanceIdentity(value: value, source: .environment) }
        let candidate = random()
        let value: String
        do {
            value = try await store.instanceID(proposing: candidate)
        } catch {
            throw StartupError("cannot read the prenv instance from state store \(Composition.redacted(stateURL: stateURL)): \(error); set \(variable)")
        }
        return InstanceIdentity(value: value, source: .stored(state: stateURL, created: value == candidate))
    }

    /// `PRENV_INSTANCE`, validated, or nil when unset or blank.
    public static func fromEnvironment(_ environment: [String: String]) throws(StartupError) -> String? {
        guard let raw = environment[variable], !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        try validate(raw)
        return raw
    }

    /// `prenv-` + 12 random hex characters (48 bits: no two installations meet by chance).
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return "prenv-" + (0..<6).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
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
