import Foundation
import GitHub
import HTTPTransport
import Testing

/// Which repository `GitHubClient` tells its credential a request is about (the App picks the
/// installation's token by it), including GitHub Enterprise's `/api/v3` base and names that need
/// escaping; and the Authorization header it sends.
@Suite struct CredentialRoutingTests {
    /// Records the repositories asked about; answers one header per repository.
    final class RecordingCredential: GitHubCredential {
        let asked = Locked<[String?]>([])
        func authorization(for repository: String?) async throws -> String {
            asked.withLock { $0.append(repository) }
            return "Bearer token-for-\(repository ?? "none")"
        }
        func rejected(_ authorization: String, repository: String?) async {}
        func budgetKey(for repository: String) async -> String { "token" }
    }

    @Test(arguments: ["https://api.github.com", "https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/"])
    func theRepositoryComesFromThePath(_ base: String) async throws {
        let credential = RecordingCredential()
        let transport = RecordingTransport([json(201, #"{"id": 1}"#), json(200, "[]")])
        let github = GitHubClient(baseURL: try #require(URL(string: base)), credential: credential, transport: transport)
        try await github.createStatus(owner: "Acme", repo: "web.app", sha: "abc",
                                      status: CommitStatus(state: .pending, context: "prenv/x", description: "x"))
        _ = try await github.comments(owner: "acme", repo: "we b", issue: 5, page: 1)
        #expect(credential.asked.withLock { $0 } == ["Acme/web.app", "acme/we b"])
        #expect(transport.requests.map { $0.headers["Authorization"] } == ["Bearer token-for-Acme/web.app", "Bearer token-for-acme/we b"])
    }

    /// A 401 to a header the credential would hand out again (a fixed token) is not repeated.
    @Test func a401ToAFixedTokenIsThrownAtOnce() async throws {
        let transport = RecordingTransport([json(401, #"{"message": "Bad credentials"}"#)])
        let github = GitHubClient(credential: PersonalAccessToken("ghp_x"), transport: transport)
        let error = try await #require(throws: GitHubError.self) {
            try await github.createStatus(owner: "o", repo: "r", sha: "abc", status: CommitStatus(state: .pending, context: "c", description: "d"))
        }
        #expect(error.status == 401)
        #expect(transport.requests.count == 1)
    }
}
