import Foundation
import GitHub
import HTTPTransport
import Testing
import TestServices

/// The stand-in's permission and reaction routes answer as GitHub does, through prenv's own client.
@Suite struct StandinCollaboratorsTests {
    @Test func permissionsReadAsGitHubReportsThem() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        for (role, permission, canWrite) in [("admin", "admin", true), ("maintain", "write", true), ("write", "write", true),
                                             ("triage", "read", false), ("read", "read", false), ("none", "none", false)] {
            try await standin.setRole(role, for: "user-\(role)", on: "acme/webapp")
            let answer = try await github.permission(owner: "acme", repo: "webapp", user: "user-\(role)")
            #expect(answer.permission == permission && answer.roleName == role && answer.canWrite == canWrite, "\(role): \(answer)")
        }
        let stranger = try await github.permission(owner: "acme", repo: "webapp", user: "someone")
        #expect(stranger.permission == "read" && !stranger.canWrite, "anyone else reads, as on a public repository")
        let elsewhere = try await github.permission(owner: "acme", repo: "other", user: "user-admin")
        #expect(elsewhere.permission == "read", "roles are per repository")
        _ = try await standin.admin("permissions/unknown", ["login": "ghost"])
        await #expect(throws: GitHubError.self) { try await github.permission(owner: "acme", repo: "webapp", user: "ghost") }
        let lookups = try await standin.collaborators().lookups
        #expect(lookups.count == 9)
        #expect(lookups.last?["status"] as? Int == 404)
    }

    @Test func reactionsAreCreatedOnceAndValidated() async throws {
        let standin = try await StandinProcess()
        defer { standin.stop() }
        let transport = CurlTransport()
        let id = try await standin.postComment("/prenv keep", as: "alice", on: "acme/webapp", issue: 7)

        func react(_ content: String, comment: Int64 = id, repository: String = "acme/webapp") async throws -> Int {
            let url = standin.url.appendingPathComponent("repos/\(repository)/issues/comments/\(comment)/reactions")
            let request = HTTPRequest(method: "POST", url: url, headers: [
                "Authorization": "Bearer \(standin.token)", "User-Agent": "prenv-test", "Content-Type": "application/json",
            ], body: Data("{\"content\": \"\(content)\"}".utf8))
            return try await transport.send(request).status
        }
        #expect(try await react("+1") == 201)
        #expect(try await react("+1") == 200, "the same reaction again")
        #expect(try await react("confused") == 201)
        #expect(try await react("thumbsup") == 422)
        #expect(try await react("+1", comment: 1) == 404, "no such comment")
        #expect(try await react("+1", repository: "acme/other") == 404, "the comment is in another repository")
        let reactions = try await standin.collaborators().reactions
        #expect(reactions.compactMap { $0["content"] as? String } == ["+1", "confused"])

        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: transport, sleep: { _ in })
        try await github.react(owner: "acme", repo: "webapp", commentID: id, .eyes)
        #expect(try await standin.collaborators().reactions.count == 3)
    }
}
