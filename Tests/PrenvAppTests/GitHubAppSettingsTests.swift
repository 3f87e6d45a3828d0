import _CryptoExtras
import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Hummingbird
import HummingbirdTesting
import LogCapture
import Orchestrator
import PrenvApp
import Testing
import WebhookSupport

/// `GITHUB_APP_ID` and its key in serve's settings and the one composition function that builds
/// the credential: what wins, what stops the start, and that the key is never shown.
@Suite struct GitHubAppSettingsTests {
    static let key: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    let secret = ["PRENV_WEBHOOK_SECRET": "s"]

    func resolve(_ environment: [String: String]) throws(ServeSettings.Problem) -> ServeSettings {
        try ServeSettings.resolve(flags: .init(), environment: environment.merging(secret) { $1 })
    }

    @Test func theAppWinsOverATokenAndTheDescriptionSaysSoWithoutSecrets() throws {
        let pem = Self.key.pemRepresentation
        let settings = try resolve(["GITHUB_APP_ID": "123456", "GITHUB_APP_PRIVATE_KEY": pem, "GITHUB_TOKEN": "ghp_leftover"])
        #expect(settings.githubAppID == 123456)
        #expect(settings.githubAuth.usesApp && settings.githubAuth.tokenUnused)
        #expect(settings.description.contains("github_app=<id 123456, key set> github_token=<set, unused: the GitHub App wins>"), "\(settings)")
        #expect(!settings.description.contains("ghp_leftover"))
        #expect(!settings.description.contains("MII"))

        let logs = CapturedLogs()
        let connection = try #require(try Composition.githubConnection(settings.githubAuth, transport: CurlTransport(), logger: logs.logger()))
        #expect(connection.app?.appID == 123456)
        #expect(connection.client.credential is GitHubAppCredential)
        #expect(logs.joined.contains("GITHUB_TOKEN is set but unused: the GitHub App 123456 authenticates instead"), "\(logs.joined)")
    }

    @Test func theKeyMayComeFromAFileOrTheConfigFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-app-\(UUID().uuidString).pem").path
        try Self.key.pemRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = (path: "prenv.yaml", text: "github_app_id: 77\ngithub_app_private_key_file: \(path)\n")
        let settings = try ServeSettings.resolve(flags: .init(), environment: secret, configFile: file)
        #expect(settings.githubAppPrivateKeyFile == path)
        let connection = try #require(try Composition.githubConnection(settings.githubAuth, transport: CurlTransport()))
        #expect(connection.app?.appID == 77)
        #expect(settings.description.contains("github_app=<id 77, key file \(path)> github_token=<none>"), "\(settings)")
    }

    @Test(arguments: [
        (["GITHUB_APP_ID": "123"], "GITHUB_APP_ID is set but no private key: set GITHUB_APP_PRIVATE_KEY (the PEM text) or GITHUB_APP_PRIVATE_KEY_FILE (its path)"),
        (["GITHUB_APP_PRIVATE_KEY_FILE": "/etc/prenv/app.pem"], "a GitHub App private key is set but GITHUB_APP_ID is not: set it to the App's numeric id"),
        (["GITHUB_APP_ID": "prenv-app", "GITHUB_APP_PRIVATE_KEY_FILE": "/x"], "GITHUB_APP_ID must be the App's numeric id (shown on the App's settings page), got a value that is not a number (9 characters)"),
        // A token pasted into the wrong variable is never echoed, not even its first 40 characters.
        (["GITHUB_APP_ID": "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "GITHUB_APP_PRIVATE_KEY_FILE": "/x"], "GITHUB_APP_ID must be the App's numeric id (shown on the App's settings page), got a value that is not a number (42 characters)"),
        (["GITHUB_APP_ID": "1", "GITHUB_APP_PRIVATE_KEY_FILE": "/x", "GITHUB_APP_PRIVATE_KEY": "pem"], "both GITHUB_APP_PRIVATE_KEY and GITHUB_APP_PRIVATE_KEY_FILE are set: keep one"),
    ])
    func incompleteAppSettingsStopTheStart(_ environment: [String: String], _ message: String) {
        let error = #expect(throws: ServeSettings.Problem.self) { try resolve(environment) }
        #expect(error?.description == message)
    }

    @Test func aWrongFormatKeyIsAStartupErrorThatNeverShowsTheKey() throws {
        let publicPEM = Self.key.publicKey.pemRepresentation
        let settings = try resolve(["GITHUB_APP_ID": "123", "GITHUB_APP_PRIVATE_KEY": publicPEM])
        let error = #expect(throws: StartupError.self) { try Composition.githubConnection(settings.githubAuth, transport: CurlTransport()) }
        #expect(error?.message == "the GitHub App's private key: GITHUB_APP_PRIVATE_KEY is a public key (BEGIN PUBLIC KEY); prenv needs the App's private key")
        let body = publicPEM.split(separator: "\n")[1]
        #expect(error?.description.contains(body) == false)
    }

    @Test func gcReadsTheAppFromTheEnvironmentToo() throws {
        let error = #expect(throws: StartupError.self) {
            try Composition.pullRequestLookup(environment: ["GITHUB_APP_ID": "9", "GITHUB_APP_PRIVATE_KEY": "garbage"], transport: CurlTransport())
        }
        #expect(error?.message == "the GitHub App's private key: GITHUB_APP_PRIVATE_KEY is not a PEM key (no -----BEGIN …----- line)")
        let missingKey = #expect(throws: StartupError.self) {
            try Composition.pullRequestLookup(environment: ["GITHUB_APP_ID": "9"], transport: CurlTransport())
        }
        #expect(missingKey?.message.hasPrefix("GITHUB_APP_ID is set but no private key") == true)
        let pem = Self.key.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n")
        #expect(try Composition.pullRequestLookup(environment: ["GITHUB_APP_ID": "9", "GITHUB_APP_PRIVATE_KEY": pem], transport: CurlTransport()) != nil)
        #expect(try Composition.pullRequestLookup(environment: [:], transport: CurlTransport()) == nil)
    }

    /// A signed delivery's `installation.id` reaches the App credential, so no lookup is needed.
    @Test func aWebhookTellsTheAppWhichInstallationCoversTheRepository() async throws {
        let fixture = try ServeFixture()
        let key = try GitHubAppKey(pem: Self.key.pemRepresentation, source: "test")
        let lookups = LookupRecorder()
        let app = GitHubAppCredential(api: GitHubAppAPI(jwt: GitHubAppJWT(appID: 5, key: key), transport: lookups))
        let blueprint = try BlueprintLoader.parse(yaml: ServeFixture.blueprint, file: "webapp.yaml", kinds: Composition.kinds)
        var parts = ServeParts(blueprints: [blueprint], store: fixture.store, workers: fixture.workers, inbox: fixture.inbox,
                               operations: fixture.operations, statusPoster: DiscardedStatuses())
        parts.githubApp = app
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(repository: "acme/webapp"))
        try await buildApplication(settings: fixture.settings, parts: parts).test(.router) { client in
            let response = try await ServeRoutesTests.post(delivery, to: client)
            #expect(response.status == .accepted)
        }
        // GitHub's example payload names installation 1.
        #expect(try await app.installationID(for: "acme/webapp") == 1)
        #expect(await app.budgetKey(for: "acme/webapp") == "installation:1")
        #expect(lookups.count == 0)
    }
}

/// Counts requests and answers 599: the test above must make none.
final class LookupRecorder: HTTPSender, @unchecked Sendable {
    private let lock = NSLock()
    private var requests = 0
    var count: Int { lock.withLock { requests } }
    func send(_ request: HTTPTransport.HTTPRequest) async throws -> HTTPTransport.HTTPResponse {
        lock.withLock { requests += 1 }
        return HTTPTransport.HTTPResponse(status: 599)
    }
}
