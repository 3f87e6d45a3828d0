import Foundation
import GitHub
import HTTPTransport
import Logging

/// A GitHub client for a command, and the App credential behind it when there is one (`serve`
/// tells it which installation each webhook's repository belongs to).
public struct GitHubConnection: Sendable {
    public var client: GitHubClient
    public var app: GitHubAppCredential?
}

extension Composition {
    /// The one place a GitHub credential is built, for `serve`, `gc` and `doctor`: the App when
    /// `GITHUB_APP_ID` is set (the private key read and checked now, so a bad one stops the command
    /// at start with a reason and never its text), else the token, else nil.
    public static func githubConnection(
        _ auth: GitHubAuthSettings, transport: any HTTPSender, logger: Logger? = nil
    ) throws(StartupError) -> GitHubConnection? {
        guard auth.isConfigured else { return nil }
        guard let base = URL(string: auth.apiURL), let scheme = base.scheme, ["http", "https"].contains(scheme), base.host != nil else {
            throw StartupError("GitHub API URL must be http(s)://HOST[/api/v3], got \"\(auth.apiURL)\"")
        }
        let userAgent = "prenv/0.1"
        guard let appID = auth.appID else {
            guard let token = auth.token else { return nil }
            return GitHubConnection(client: GitHubClient(baseURL: base, token: token, transport: transport, userAgent: userAgent), app: nil)
        }
        let api = GitHubAppAPI(baseURL: base, jwt: GitHubAppJWT(appID: appID, key: try appKey(auth)), transport: transport, userAgent: userAgent)
        let app = GitHubAppCredential(api: api)
        if auth.tokenUnused {
            logger?.notice("GITHUB_TOKEN is set but unused: the GitHub App \(appID) authenticates instead", source: logSource)
        }
        return GitHubConnection(client: GitHubClient(baseURL: base, credential: app, transport: transport, userAgent: userAgent), app: app)
    }

    /// The App's private key from the file or the variable.
    public static func appKey(_ auth: GitHubAuthSettings) throws(StartupError) -> GitHubAppKey {
        do throws(AppKeyError) {
            if let path = auth.appPrivateKeyFile {
                return try GitHubAppKey(file: path) { Logger(label: "prenv.github.app").warning("\($0)") }
            }
            return try GitHubAppKey(pem: auth.appPrivateKey ?? "", source: "GITHUB_APP_PRIVATE_KEY")
        } catch {
            throw StartupError("the GitHub App's private key: \(error)")
        }
    }
}
