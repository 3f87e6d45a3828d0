import HTTPTransport
import Foundation
import GitHub
import TestServices
import Testing

/// The stand-in's own contract beyond what the client exercises: combined status and primary limits.
@Suite struct StandinContractTests {
    @Test func combinedStatusShowsLatestPerContext() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport())
        try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .pending, context: "a", description: nil))
        try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .success, context: "a", description: nil))
        try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .failure, context: "b", description: nil))
        let response = try await CurlTransport().send(HTTPRequest(
            method: "GET", url: standin.url.appendingPathComponent("repos/o/r/commits/abc/status"),
            headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": "test"]))
        let combined = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(combined["state"] as? String == "failure")
        #expect(combined["total_count"] as? Int == 2)
    }

    @Test func primaryRateLimitWaitsUntilTheResetHeader() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        // The reset is a minute away, so however slowly a loaded machine answers, the wait is clearly
        // "until the reset" (the sleep is recorded, not taken).
        _ = try await standin.admin("faults", ["primary_rate_limit": true, "reset_in": 60, "count": 1])
        let sleeper = SleepRecorder()
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: sleeper.sleep)
        try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .success, context: "c", description: nil))
        let wait = try #require(sleeper.recorded.first)
        #expect(wait > .seconds(30) && wait <= .seconds(61), "\(wait)")
    }

    @Test func absentSharedFolderFailsLoudly() throws {
        guard ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"] == nil else { return }
        #expect(throws: FixtureError.self) { try SharedFixtures.directory(filePath: "/nonexistent/Tests/X.swift") }
    }
}
