import Foundation

/// How prenv authenticates to GitHub, read the same way by `serve` (flags, environment, config
/// file), `gc` and `doctor` (environment): a token (`GITHUB_TOKEN`), or a GitHub App
/// (`GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY` or `GITHUB_APP_PRIVATE_KEY_FILE`).
///
/// When both are configured the App wins: its installation tokens are what a GitHub-native
/// install is for (per-installation rate limits, no machine user), and a token left over from
/// before the switch should not silently keep writing. `tokenUnused` lets the caller say so.
public struct GitHubAuthSettings: Sendable, Equatable, CustomStringConvertible {
    public var token: String?
    public var appID: Int?
    /// The PEM text from `GITHUB_APP_PRIVATE_KEY` (possibly `\n`-escaped).
    public var appPrivateKey: String?
    /// The path in `GITHUB_APP_PRIVATE_KEY_FILE`.
    public var appPrivateKeyFile: String?
    public var apiURL: String

    public init(token: String? = nil, appID: Int? = nil, appPrivateKey: String? = nil, appPrivateKeyFile: String? = nil,
                apiURL: String = "https://api.github.com") {
        self.token = token
        self.appID = appID
        self.appPrivateKey = appPrivateKey
        self.appPrivateKeyFile = appPrivateKeyFile
        self.apiURL = apiURL
    }

    /// The environment variables and their config-file keys.
    static let variables: [(variable: String, key: String)] = [
        ("GITHUB_TOKEN", "github_token"), ("GITHUB_APP_ID", "github_app_id"),
        ("GITHUB_APP_PRIVATE_KEY", "github_app_private_key"), ("GITHUB_APP_PRIVATE_KEY_FILE", "github_app_private_key_file"),
    ]

    /// Reads and checks the settings; `value(variable, fileKey)` is nil for an unset or blank value.
    /// An App id without a key, a key without an App id, two keys, or an id that is not a number
    /// stops the command: each would otherwise fall back to something the user did not ask for.
    public static func resolve(apiURL: String, value: (String, String) -> String?) throws(ServeSettings.Problem) -> GitHubAuthSettings {
        var auth = GitHubAuthSettings(token: value("GITHUB_TOKEN", "github_token"), apiURL: apiURL)
        auth.appPrivateKey = value("GITHUB_APP_PRIVATE_KEY", "github_app_private_key")
        auth.appPrivateKeyFile = value("GITHUB_APP_PRIVATE_KEY_FILE", "github_app_private_key_file")
        let hasKey = auth.appPrivateKey != nil || auth.appPrivateKeyFile != nil
        if let id = value("GITHUB_APP_ID", "github_app_id") {
            guard let number = Int(id.trimmingCharacters(in: .whitespaces)), number > 0 else {
                throw .init(description: "GITHUB_APP_ID must be the App's numeric id (shown on the App's settings page), got a value that is not a number (\(id.count) characters)")
            }
            guard hasKey else {
                throw .init(description: "GITHUB_APP_ID is set but no private key: set GITHUB_APP_PRIVATE_KEY (the PEM text) or "
                    + "GITHUB_APP_PRIVATE_KEY_FILE (its path)")
            }
            auth.appID = number
        } else if hasKey {
            throw .init(description: "a GitHub App private key is set but GITHUB_APP_ID is not: set it to the App's numeric id")
        }
        if auth.appPrivateKey != nil, auth.appPrivateKeyFile != nil {
            throw .init(description: "both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are set: keep one")
        }
        return auth
    }

    /// `resolve` over environment variables only (`gc`, `doctor`).
    public static func fromEnvironment(_ environment: [String: String]) throws(ServeSettings.Problem) -> GitHubAuthSettings {
        let blankless = { (name: String) in environment[name].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
        return try resolve(apiURL: blankless("GITHUB_API_URL") ?? "https://api.github.com") { variable, _ in blankless(variable) }
    }

    public var usesApp: Bool { appID != nil }
    /// Both a token and an App are configured: the token is not used.
    public var tokenUnused: Bool { usesApp && token != nil }
    public var isConfigured: Bool { usesApp || token != nil }

    /// Never shows a token or key.
    public var description: String {
        let app = appID.map { "github_app=<id \($0), key \(appPrivateKeyFile.map { "file \($0)" } ?? "set")>" } ?? "github_app=<none>"
        let token = self.token == nil ? (usesApp ? "<none>" : "<none: statuses go to the log>") : (usesApp ? "<set, unused: the GitHub App wins>" : "<set>")
        return "\(app) github_token=\(token)"
    }
}
