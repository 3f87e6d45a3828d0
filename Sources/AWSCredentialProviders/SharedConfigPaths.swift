import Foundation

/// Where the shared files live: `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `$HOME/.aws/…`.
///
/// HOME comes from the injected environment so tests never read the developer's real `~/.aws`.
public struct SharedConfigPaths: Sendable, Equatable {
    public enum Kind: Sendable { case config, credentials }

    public var configFile: String
    public var credentialsFile: String
    /// Used to show paths as `~/.aws/config` in messages.
    public var home: String?

    public init(configFile: String, credentialsFile: String, home: String? = nil) {
        self.configFile = configFile
        self.credentialsFile = credentialsFile
        self.home = home
    }

    public init(environment: [String: String]) {
        // The SDKs fall back to the account's home directory when HOME is unset.
        let home = environment.nonEmpty("HOME") ?? NSHomeDirectory()
        func expand(_ path: String) -> String {
            guard path == "~" || path.hasPrefix("~/") else { return path }
            return home + path.dropFirst()
        }
        let base = home + "/.aws/"
        self.init(
            configFile: environment.nonEmpty("AWS_CONFIG_FILE").map(expand) ?? base + "config",
            credentialsFile: environment.nonEmpty("AWS_SHARED_CREDENTIALS_FILE").map(expand) ?? base + "credentials",
            home: home
        )
    }

    public func path(_ kind: Kind) -> String {
        kind == .config ? configFile : credentialsFile
    }

    /// The path with the home directory abbreviated, for messages.
    public func display(_ kind: Kind) -> String {
        let path = path(kind)
        guard let home, !home.isEmpty, home != "/", path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }

    /// The file's text, or nil when it does not exist. A file that exists but cannot be read is an error,
    /// because silently skipping it would pick a different identity than the user configured.
    func read(_ kind: Kind) throws -> String? {
        let path = path(kind)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw CredentialError(.invalidConfiguration, provider: "shared config", "cannot read file", location: display(kind))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CredentialError(.invalidConfiguration, provider: "shared config", "file is not valid UTF-8", location: display(kind))
        }
        return text
    }
}
