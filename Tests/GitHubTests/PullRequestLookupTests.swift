import HTTPTransport
import Foundation
import GitHub
import TestServices
import Testing

/// `GET /repos/{o}/{r}/pulls/{n}` against the stand-in: what the reconciler reads when a webhook was lost.
@Suite struct PullRequestLookupTests {
    @Test func readsThePullRequestAsGitHubReportsIt() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("pulls", [
            "repository": "acme/webapp", "number": 5, "state": "closed", "merged": true, "head_sha": "abc123",
            "head_ref": "feature/x", "labels": ["no-preview"], "updated_at": "2026-11-27T10:00:00Z", "fork": true,
        ])
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport())
        let pr = try await github.pullRequest(owner: "acme", repo: "webapp", number: 5)
        #expect(pr.state == "closed" && pr.merged == true && pr.number == 5)
        #expect(pr.head.sha == "abc123" && pr.head.ref == "feature/x" && pr.base.ref == "main")
        #expect(pr.head.repo?.fork == true && pr.labels.map(\.name) == ["no-preview"] && pr.updatedAt == "2026-11-27T10:00:00Z")
    }

    @Test func unknownPullRequestAndBadTokenAreErrorsNotAnswers() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport())
        let missing = await #expect(throws: GitHubError.self) { try await github.pullRequest(owner: "acme", repo: "webapp", number: 404) }
        #expect(missing?.status == 404)
        let stranger = GitHubClient(baseURL: standin.url, token: "ghp_wrong", transport: CurlTransport())
        let denied = await #expect(throws: GitHubError.self) { try await stranger.pullRequest(owner: "acme", repo: "webapp", number: 5) }
        #expect(denied?.status == 401)
    }
}
