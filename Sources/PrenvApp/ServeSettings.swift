import Blueprint
import Foundation
import Yams

/// How `prenv serve` is configured: flags, then environment variables, then an optional YAML
/// config file, then defaults (the first that sets a value wins). Secrets come only from the
/// environment or the file, never from flags, so they do not show in `ps`. It lives in the composition
/// root because where a value comes from is wiring; the supervisor only ever sees the values.
public struct ServeSettings: Sendable, Equatable, CustomStringConvertible {
    public var host = "127.0.0.1"
    public var port = 8080
    public var blueprints = "./blueprints"
    public var state = "sqlite:.prenv/state.sqlite"
    public var webhookSecret: String
    public var githubToken: String?
    /// `GITHUB_APP_ID`, `GITHUB_APP_PRIVATE_KEY` / `GITHUB_APP_PRIVATE_KEY_FILE`: prenv as a GitHub App.
    /// When set, the App authenticates and `githubToken` is unused (see `GitHubAuthSettings`).
    public var githubAppID: Int?
    public var githubAppPrivateKey: String?
    public var githubAppPrivateKeyFile: String?
    public var githubAPIURL = "https://api.github.com"
    /// `PRENV_API_TOKEN`: the bearer token `/api/*` requires; without one, `/api/*` is served only
    /// while listening on a loopback address.
    public var apiToken: String?
    /// `repository_blueprints:` in the `--config` file: per repository (or glob), whether and how
    /// its own `.prenv/` blueprints are read. Only from the file: a policy is not one value.
    public var repositoryBlueprints = RepositoryBlueprintSettings()

    /// Values given on the command line (nil when not given).
    public struct Flags: Sendable, Equatable {
        public var host: String?
        public var port: Int?
        public var blueprints: String?
        public var state: String?
        public var githubAPIURL: String?

        public init(host: String? = nil, port: Int? = nil, blueprints: String? = nil, state: String? = nil, githubAPIURL: String? = nil) {
            self.host = host
            self.port = port
            self.blueprints = blueprints
            self.state = state
            self.githubAPIURL = githubAPIURL
        }
    }

    /// What stops the server from starting, said so a user can fix it.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String

        public init(description: String) { self.description = description }
    }

    /// The config file's keys; each is also `PRENV_<KEY>` (or the GitHub names) in the environment.
    static let fileKeys: Set<String> = ["host", "port", "blueprints", "state", "webhook_secret", "github_token", "github_api_url", "api_token",
                                         "github_app_id", "github_app_private_key", "github_app_private_key_file"]

    /// - Parameters:
    ///   - configFile: path and contents of the `--config` file, if one was given.
    public static func resolve(flags: Flags, environment: [String: String], configFile: (path: String, text: String)? = nil) throws(Problem) -> ServeSettings {
        let parsed = try configFile.map { file throws(Problem) in try parse(file.text, path: file.path) }
        let file = parsed?.values ?? [:]
        /// An empty (or all-blank) value counts as unset wherever it comes from: an empty webhook
        /// secret would make every signature computable, so it must never be taken as a secret.
        func value(_ flag: String?, _ variable: String, _ key: String) -> String? {
            let nonBlank = { (text: String?) in text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
            return nonBlank(flag) ?? nonBlank(environment[variable]) ?? nonBlank(file[key])
        }
        guard let secret = value(nil, "PRENV_WEBHOOK_SECRET", "webhook_secret") else {
            throw Problem(description: "no webhook secret: set PRENV_WEBHOOK_SECRET (or webhook_secret in the --config file) to the secret "
                + "configured on the GitHub webhook; prenv refuses to accept unsigned deliveries")
        }
        var settings = ServeSettings(webhookSecret: secret)
        settings.host = value(flags.host, "PRENV_HOST", "host") ?? settings.host
        if let port = flags.port.map(String.init) ?? value(nil, "PRENV_PORT", "port") {
            guard let number = Int(port), (0...65535).contains(number) else {
                throw Problem(description: "port must be a number from 0 to 65535, got \"\(port)\"")
            }
            settings.port = number
        }
        settings.blueprints = value(flags.blueprints, "PRENV_BLUEPRINTS", "blueprints") ?? settings.blueprints
        settings.state = value(flags.state, "PRENV_STATE", "state") ?? settings.state
        settings.apiToken = value(nil, "PRENV_API_TOKEN", "api_token")
        if let node = parsed?.repositoryBlueprints, let path = configFile?.path {
            do throws(BlueprintErrors) {
                settings.repositoryBlueprints = try RepositoryBlueprintSettings.decode(node, file: path)
            } catch {
                throw Problem(description: "\(error)")
            }
        }
        settings.githubAPIURL = value(flags.githubAPIURL, "GITHUB_API_URL", "github_api_url") ?? settings.githubAPIURL
        let auth = try GitHubAuthSettings.resolve(apiURL: settings.githubAPIURL) { variable, key in value(nil, variable, key) }
        settings.githubToken = auth.token
        settings.githubAppID = auth.appID
        settings.githubAppPrivateKey = auth.appPrivateKey
        settings.githubAppPrivateKeyFile = auth.appPrivateKeyFile
        guard let url = URL(string: settings.githubAPIURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw Problem(description: "GitHub API URL must be http(s)://HOST[/api/v3], got \"\(settings.githubAPIURL)\"")
        }
        return settings
    }

    /// `resolve` with the `--config` file read from disk: a file that cannot be read stops the
    /// server as surely as a bad value in it.
    public static func load(flags: Flags, environment: [String: String], configPath: String?) throws(Problem) -> ServeSettings {
        guard let configPath else { return try resolve(flags: flags, environment: environment) }
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else {
            throw Problem(description: "cannot read the config file \(configPath)")
        }
        return try resolve(flags: flags, environment: environment, configFile: (configPath, text))
    }

    /// A flat YAML mapping of `fileKeys` to scalars, and the `repository_blueprints:` mapping left
    /// as a node for its own decoder; anything else is an error naming file and line.
    static func parse(_ text: String, path: String) throws(Problem) -> (values: [String: String], repositoryBlueprints: Node?) {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            // Only the position and the problem: the parser's own message quotes the offending line,
            // which may hold the webhook secret or the GitHub token.
            throw Problem(description: Self.describe(error, path: path))
        }
        guard let node else { return ([:], nil) }
        guard let mapping = node.mapping else { throw Problem(description: "\(path):\(node.mark?.line ?? 1): expected a mapping of settings") }
        var values: [String: String] = [:]
        var repositoryBlueprints: Node?
        for (key, value) in mapping {
            let line = key.mark?.line ?? 1
            if key.string == "repository_blueprints" {
                repositoryBlueprints = value
                continue
            }
            guard let name = key.string, fileKeys.contains(name) else {
                throw Problem(description: "\(path):\(line): unknown setting \"\(key.string ?? "?")\"; known: \((fileKeys.sorted() + ["repository_blueprints"]).joined(separator: ", "))")
            }
            guard let scalar = value.scalar?.string else { throw Problem(description: "\(path):\(line): \(name) must be a single value") }
            values[name] = scalar
        }
        return (values, repositoryBlueprints)
    }

    static func describe(_ error: any Error, path: String) -> String {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "\(path):\(mark.line):\(mark.column): not valid YAML: \(problem)"
        default:
            "\(path): not valid YAML"
        }
    }

    /// Whether `host` only accepts connections from this machine: `localhost`, `127.0.0.0/8` or
    /// `::1`. Names are not resolved, so any other name counts as reachable from elsewhere.
    public var listensOnLoopback: Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name == "localhost" || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// How GitHub is reached, for `Composition.githubConnection`.
    public var githubAuth: GitHubAuthSettings {
        GitHubAuthSettings(token: githubToken, appID: githubAppID, appPrivateKey: githubAppPrivateKey,
                           appPrivateKeyFile: githubAppPrivateKeyFile, apiURL: githubAPIURL)
    }

    /// Never shows the secrets, the tokens or the App's key.
    public var description: String {
        "host=\(host) port=\(port) blueprints=\(blueprints) state=\(Composition.redacted(stateURL: state)) github_api_url=\(githubAPIURL) "
            + "webhook_secret=<set> \(githubAuth) "
            + "api_token=\(apiToken == nil ? (listensOnLoopback ? "<none: /api/* served on loopback only>" : "<none: /api/* refused>") : "<set>")"
    }
}
