import Foundation
import GitHub
import HTTPTransport
import TestServices
import Testing

/// `GitHubClient` with a GitHub App's installation tokens against the stand-in, which issues them,
/// accepts them only for their installation's repositories, and refuses them once expired.
@Suite struct GitHubAppStandinTests {
    let status = CommitStatus(state: .success, context: "prenv/preview", description: "Ready")

    @Test func concurrentCallersShareOneTokenRequest() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let credential = try appCredential(standin)
        await credential.remember(repository: "acme/webapp", installationID: 11)
        let authorizations = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<25 { group.addTask { try await credential.authorization(for: "acme/webapp") } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(authorizations.count == 1)
        #expect(try await standin.appCounters().tokenRequests == [11: 1])
    }

    @Test func statusesArePostedWithTheInstallationToken() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, credential: try appCredential(standin), transport: CurlTransport())
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        try await github.createStatus(owner: "acme", repo: "api", sha: "def", status: status)
        try await github.createStatus(owner: "other", repo: "site", sha: "123", status: status)
        #expect(try await standin.received().statuses.count == 3)
        #expect(try await standin.appCounters().tokenRequests == [11: 1, 12: 1], "one token per installation, reused")
    }

    @Test func aTokenExpiringMidOperationIsRefreshedOnceAndTheRequestSucceeds() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, credential: try appCredential(standin), transport: CurlTransport())
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        try await standin.expireAppTokens()
        // The cached token looks valid for an hour to prenv; GitHub answers 401, prenv refreshes once.
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        #expect(try await standin.received().statuses.count == 2)
        #expect(try await standin.appCounters().tokenRequests == [11: 2])
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        #expect(try await standin.appCounters().tokenRequests == [11: 2], "the refreshed token is cached")
    }

    @Test func anUninstalledAppIsAClearError() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, credential: try appCredential(standin), transport: CurlTransport())
        let notThere = try await #require(throws: GitHubAppError.self) {
            try await github.createStatus(owner: "acme", repo: "elsewhere", sha: "abc", status: status)
        }
        #expect(notThere.description == "the GitHub App 4242 is not installed on acme/elsewhere")

        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        try await standin.uninstallApp(installation: 11)
        // The token dies with the installation (401); the refresh finds the installation gone (404).
        let gone = try await #require(throws: GitHubAppError.self) {
            try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        }
        #expect(gone.description == "the GitHub App 4242 has no installation 11 any more (uninstalled?)")
        // Forgotten, so the next attempt looks the repository up again and says it plainly.
        let again = try await #require(throws: GitHubAppError.self) {
            try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        }
        #expect(again.description == "the GitHub App 4242 is not installed on acme/webapp")
    }

    @Test func anInstallationTokenSeesOnlyItsRepositories() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let credential = try appCredential(standin)
        // A (wrong) webhook claim that installation 12 covers acme/webapp: GitHub hides the repository.
        await credential.remember(repository: "acme/webapp", installationID: 12)
        let otherInstallation = try await credential.authorization(for: "other/site")
        let raw = HTTPRequest(method: "POST", url: standin.url.appendingPathComponent("repos/acme/webapp/statuses/abc"),
                              headers: ["Authorization": otherInstallation, "User-Agent": "prenv-test", "Content-Type": "application/json"],
                              body: Data(#"{"state": "success", "context": "prenv"}"#.utf8))
        #expect(try await CurlTransport().send(raw).status == 404, "installation 12's token does not see acme/webapp")
        #expect(try await standin.received().statuses.isEmpty)
        // The client heals the wrong claim: the 404 makes it drop the mapping and look the repository up once more.
        let github = GitHubClient(baseURL: standin.url, credential: credential, transport: CurlTransport())
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        #expect(try await standin.received().statuses.count == 1)
        #expect(try await credential.installationID(for: "acme/webapp") == 11)
    }

    @Test func aPersonalTokenWorksThroughTheCredentialSeamAndIsNotRetriedOn401() async throws {
        let standin = try await appStandin()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, credential: PersonalAccessToken(standin.token), transport: CurlTransport())
        try await github.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        let wrong = GitHubClient(baseURL: standin.url, credential: PersonalAccessToken("ghp_wrong"), transport: CurlTransport())
        let error = try await #require(throws: GitHubError.self) {
            try await wrong.createStatus(owner: "acme", repo: "webapp", sha: "abc", status: status)
        }
        #expect(error.status == 401)
        let (statuses, requests) = try await standin.received()
        #expect(statuses.count == 1)
        #expect(requests.count == 2, "the 401 to a fixed token is not repeated")
        #expect(try await standin.appCounters().tokenRequests.isEmpty)
    }
}
