import _CryptoExtras
import Foundation
import GitHub
import HTTPTransport
import TestServices

/// RSA keys for GitHub App tests, generated once per test process (2048-bit generation takes a moment).
enum AppTestKeys {
    static let app: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    /// A key of no App: what a misconfigured prenv signs with.
    static let stranger: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    static func appKey(_ key: _RSA.Signing.PrivateKey = app) throws -> GitHubAppKey {
        try GitHubAppKey(pem: key.pemRepresentation, source: "GITHUB_APP_PRIVATE_KEY")
    }
}

/// A stand-in with App 4242 installed as installation 11 on `acme/webapp` and `acme/api`, and
/// installation 12 on `other/site`.
func appStandin(tokenLifetime: Int = 3600) async throws -> StandinProcess {
    let standin = try await StandinProcess()
    try await standin.configureApp(id: 4242, publicKeyPEM: AppTestKeys.app.publicKey.pemRepresentation,
                                   installations: [11: ["acme/webapp", "acme/api"], 12: ["other/site"]], tokenLifetime: tokenLifetime)
    return standin
}

func appCredential(_ standin: StandinProcess, key: _RSA.Signing.PrivateKey = AppTestKeys.app, appID: Int = 4242) throws -> GitHubAppCredential {
    let api = GitHubAppAPI(baseURL: standin.url, jwt: GitHubAppJWT(appID: appID, key: try AppTestKeys.appKey(key)), transport: CurlTransport())
    return GitHubAppCredential(api: api)
}
