import HTTPTransport
import Foundation
import GitHub
import Testing

@Suite struct GitHubClientTests {
    let token = "ghs_SECRET_token_value"
    let status = CommitStatus(state: .pending, context: "prenv/preview", description: "Deploying")

    func client(_ transport: RecordingTransport, _ sleeper: SleepRecorder, baseURL: URL = GitHubClient.defaultBaseURL,
                now: Date = Date(timeIntervalSince1970: 1_700_000_000)) -> GitHubClient {
        GitHubClient(baseURL: baseURL, token: token, transport: transport, sleep: sleeper.sleep, now: { now })
    }

    @Test func sendsRequiredHeadersAndEncodedPath() async throws {
        let transport = RecordingTransport([json(201, #"{"id":42}"#)])
        let created = try await client(transport, SleepRecorder(), baseURL: URL(string: "https://ghe.example.com/api/v3/")!)
            .createStatus(owner: "my org", repo: "a/b?c", sha: "abc123", status: status)
        #expect(created.id == 42)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.url.absoluteString == "https://ghe.example.com/api/v3/repos/my%20org/a%2Fb%3Fc/statuses/abc123")
        #expect(request.headers["Authorization"] == "Bearer \(token)")
        #expect(request.headers["Accept"] == "application/vnd.github+json")
        #expect(request.headers["X-GitHub-Api-Version"] == "2022-11-28")
        #expect(request.headers["User-Agent"] == "prenv")
    }

    @Test func retries5xxWithBackoff() async throws {
        let transport = RecordingTransport([json(502, "bad gateway"), json(503, "{}"), json(201, #"{"id":1}"#)])
        let sleeper = SleepRecorder()
        try await client(transport, sleeper).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        #expect(transport.requests.count == 3)
        #expect(sleeper.recorded == [.seconds(1), .seconds(2)])
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        let transport = RecordingTransport(Array(repeating: json(500, #"{"message":"Server Error"}"#), count: 4))
        await #expect(throws: GitHubError(status: 500, message: "Server Error")) {
            try await client(transport, SleepRecorder()).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        }
        #expect(transport.requests.count == 4)
    }

    @Test func secondaryRateLimitHonoursRetryAfter() async throws {
        let limited = json(403, #"{"message":"You have exceeded a secondary rate limit."}"#, ["Retry-After": "7"])
        let transport = RecordingTransport([limited, json(201, #"{"id":1}"#)])
        let sleeper = SleepRecorder()
        try await client(transport, sleeper).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        #expect(sleeper.recorded == [.seconds(7)])
    }

    @Test func primaryRateLimitWaitsUntilReset() async throws {
        let limited = json(429, #"{"message":"API rate limit exceeded"}"#, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000030"])
        let transport = RecordingTransport([limited, json(201, #"{"id":1}"#)])
        let sleeper = SleepRecorder()
        try await client(transport, sleeper).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        #expect(sleeper.recorded == [.seconds(30)])
    }

    @Test func rateLimitBeyondTheBoundIsThrownWithoutWaiting() async throws {
        let limited = json(403, #"{"message":"API rate limit exceeded"}"#, ["x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700003600"])
        let transport = RecordingTransport([limited])
        let sleeper = SleepRecorder()
        await #expect(throws: GitHubError.self) {
            try await client(transport, sleeper).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        }
        #expect(sleeper.recorded.isEmpty)
    }

    /// Once the task is cancelled a 5xx is neither slept on nor retried: the caller gets `CancellationError`.
    @Test func cancelledTaskIsNotRetried() async throws {
        let transport = RecordingTransport([json(502, "bad gateway"), json(201, #"{"id":1}"#)])
        let sleeper = SleepRecorder()
        let client = client(transport, sleeper)
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.createStatus(owner: "o", repo: "r", sha: "s", status: status)
        }.result
        guard case .failure(let error) = result, error is CancellationError else {
            Issue.record("expected CancellationError, got \(result)")
            return
        }
        #expect(transport.requests.count == 1)
        #expect(sleeper.recorded.isEmpty)
    }

    @Test func plain403And422AreNotRetriedAndCarryGitHubsWords() async throws {
        let body = #"{"message":"Validation Failed","errors":[{"resource":"Status","code":"custom","field":"description","message":"description is too long (maximum is 140 characters)"}],"documentation_url":"https://docs.github.com/rest"}"#
        let transport = RecordingTransport([json(422, body)])
        do {
            try await client(transport, SleepRecorder()).createStatus(owner: "o", repo: "r", sha: "s", status: status)
            Issue.record("422 was accepted")
        } catch let error as GitHubError {
            #expect(error.status == 422)
            #expect(error.errors.first?.field == "description")
            #expect(error.documentationURL == "https://docs.github.com/rest")
            #expect(error.description == "GitHub 422: Validation Failed (description: description is too long (maximum is 140 characters))")
            #expect(!String(describing: error).contains(token))
            #expect(!String(reflecting: error).contains(token))
        }
        let forbidden = RecordingTransport([json(403, #"{"message":"Resource not accessible by integration"}"#)])
        await #expect(throws: GitHubError(status: 403, message: "Resource not accessible by integration")) {
            try await client(forbidden, SleepRecorder()).createStatus(owner: "o", repo: "r", sha: "s", status: status)
        }
        #expect(forbidden.requests.count == 1)
    }
}
