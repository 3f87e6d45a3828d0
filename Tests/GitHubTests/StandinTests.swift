import HTTPTransport
import Foundation
import GitHub
import TestServices
import Testing

/// The client against the local GitHub stand-in, which enforces CONTRACT.md. Each test starts
/// its own stand-in (about 0.1 s), so tests stay parallel and never share recorded statuses.
@Suite struct StandinTests {
    let status = CommitStatus(state: .pending, context: "prenv/preview", description: "Deploying preview",
                              targetURL: URL(string: "https://pr-2.preview.example.com"))

    func client(_ standin: StandinProcess, token: String? = nil, sleeper: SleepRecorder = SleepRecorder()) -> GitHubClient {
        GitHubClient(baseURL: standin.url, token: token ?? standin.token, transport: CurlTransport(), sleep: sleeper.sleep)
    }

    func raw(_ standin: StandinProcess, headers: HTTPHeaders, body: String) async throws -> HTTPResponse {
        let url = standin.url.appendingPathComponent("repos/o/r/statuses/abc")
        return try await CurlTransport().send(HTTPRequest(method: "POST", url: url, headers: headers, body: Data(body.utf8)))
    }

    @Test func statusIsPostedWithExactHeaders() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let created = try await client(standin).createStatus(owner: "Codertocat", repo: "Hello-World", sha: "abc123", status: status)
        #expect(created.id == 1)
        let (statuses, requests) = try await standin.received()
        #expect(statuses.count == 1)
        #expect(statuses.first?["state"] as? String == "pending")
        #expect(statuses.first?["target_url"] as? String == "https://pr-2.preview.example.com")
        let headers = try #require(requests.first?["headers"] as? [String: String])
        #expect(requests.first?["path"] as? String == "/repos/Codertocat/Hello-World/statuses/abc123")
        #expect(headers["authorization"] == "Bearer \(standin.token)")
        #expect(headers["accept"] == "application/vnd.github+json")
        #expect(headers["x-github-api-version"] == "2022-11-28")
        #expect(headers["user-agent"] == "prenv")
    }

    @Test func clientTrimsSoA141CharacterDescriptionIsNeverRejected() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let long = CommitStatus(state: .failure, context: "c", description: String(repeating: "x", count: 141))
        try await client(standin).createStatus(owner: "o", repo: "r", sha: "abc", status: long)
        let stored = try await standin.received().statuses.first?["description"] as? String
        #expect(stored == String(repeating: "x", count: 139) + "…")
    }

    @Test func standinRejectsARaw141CharacterDescriptionWithGitHubsBody() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let body = #"{"state":"pending","description":"\#(String(repeating: "x", count: 141))"}"#
        let response = try await raw(standin, headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": "test"], body: body)
        #expect(response.status == 422)
        let error = GitHubError(status: response.status, body: response.body)
        #expect(error.message == "Validation Failed")
        #expect(error.errors == [GitHubError.FieldError(resource: "Status", code: "custom", field: "description",
                                                          message: "description is too long (maximum is 140 characters)")])
    }

    @Test func missingUserAgentIsForbidden() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let response = try await raw(standin, headers: ["Authorization": "Bearer \(standin.token)", "User-Agent": ""], body: #"{"state":"success"}"#)
        #expect(response.status == 403)
        #expect(GitHubError(status: 403, body: response.body).message.contains("User-Agent"))
    }

    @Test func wrongTokenIsBadCredentialsAndNeverEchoed() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let wrong = "ghp_wrong_\(UUID().uuidString)"
        do {
            try await client(standin, token: wrong).createStatus(owner: "o", repo: "r", sha: "abc", status: status)
            Issue.record("a wrong token was accepted")
        } catch let error as GitHubError {
            #expect(error.status == 401)
            #expect(error.description == "GitHub 401: Bad credentials")
            #expect(!String(reflecting: error).contains(wrong))
        }
    }

    @Test func retriesOn502ThenSucceeds() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("faults", ["status": 502, "count": 2])
        let sleeper = SleepRecorder()
        try await client(standin, sleeper: sleeper).createStatus(owner: "o", repo: "r", sha: "abc", status: status)
        #expect(sleeper.recorded == [.seconds(1), .seconds(2)])
        #expect(try await standin.received().statuses.count == 1)
    }

    @Test func secondaryRateLimitRetryAfterIsHonoured() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        _ = try await standin.admin("faults", ["secondary_rate_limit": true, "retry_after": 1, "count": 1])
        let sleeper = SleepRecorder()
        try await client(standin, sleeper: sleeper).createStatus(owner: "o", repo: "r", sha: "abc", status: status)
        #expect(sleeper.recorded == [.seconds(1)])
        #expect(try await standin.received().requests.count == 2)
    }

    @Test func the1001stStatusPerShaAndContextIs422() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = client(standin)
        for index in 0..<1000 {
            try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .pending, context: "c", description: "\(index)"))
        }
        await #expect(throws: GitHubError.self) {
            try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .success, context: "C", description: "late"))
        }
        try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .success, context: "other", description: "ok"))
    }
}
