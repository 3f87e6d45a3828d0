import Foundation
import GitHub
import Supervisor
import Testing

/// `PermissionCache` over a counting fake (a pure unit test: the stand-in cases are in
/// `CommentCommandTests`): answers kept for their lifetime, failures never kept, a bounded size.
@Suite struct PermissionCacheTests {
    actor FakePermissions: CommandGitHub {
        var asked: [String] = []
        var failure: (any Error)?
        let roles: [String: String]

        init(roles: [String: String]) { self.roles = roles }

        func fail(with error: (any Error)?) { failure = error }

        func permission(repository: String, user: String) async throws -> GitHubClient.CollaboratorPermission {
            asked.append(user)
            if let failure { throw failure }
            let role = roles[user] ?? "read"
            return try JSONDecoder().decode(GitHubClient.CollaboratorPermission.self,
                                            from: Data("{\"permission\": \"\(role == "maintain" ? "write" : role)\", \"role_name\": \"\(role)\"}".utf8))
        }

        func react(repository: String, commentID: Int64, _ reaction: GitHubClient.Reaction) async throws {}
        func reply(repository: String, issue: Int, body: String) async throws {}
    }

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var current = Date(timeIntervalSince1970: 1_800_000_000)
        var now: Date { lock.withLock { current } }
        func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
    }

    @Test func answersAreKeptForTheirLifetimeOnly() async throws {
        let github = FakePermissions(roles: ["alice": "maintain"])
        let clock = Clock()
        let cache = PermissionCache(github: github, lifetime: 60, now: { clock.now })
        #expect(try await cache.access(repository: "acme/web", user: "alice") == .allowed)
        clock.advance(59)
        #expect(try await cache.access(repository: "ACME/web", user: "Alice") == .allowed)
        #expect(await github.asked == ["alice"], "cached, case-insensitively")
        clock.advance(1)
        #expect(try await cache.access(repository: "acme/web", user: "alice") == .allowed)
        #expect(await github.asked.count == 2, "asked again after 60 s")
        #expect(try await cache.access(repository: "acme/web", user: "bob") == .denied(permission: "read"))
    }

    @Test func failuresAreNeverKept() async throws {
        let github = FakePermissions(roles: ["alice": "write"])
        let cache = PermissionCache(github: github)
        await github.fail(with: GitHubError(status: 502, message: "Server Error"))
        #expect(try await cache.access(repository: "acme/web", user: "alice") == .cannotCheck)
        await github.fail(with: nil)
        #expect(try await cache.access(repository: "acme/web", user: "alice") == .allowed)
        await github.fail(with: GitHubError(status: 404, message: "Not Found"))
        #expect(try await cache.access(repository: "acme/web", user: "ghost") == .denied(permission: "none"), "GitHub does not know the login")
        await github.fail(with: CancellationError())
        await #expect(throws: CancellationError.self) { try await cache.access(repository: "acme/web", user: "carol") }
    }

    @Test func theOldestAnswerIsForgottenPastTheCapacity() async throws {
        let github = FakePermissions(roles: [:])
        let cache = PermissionCache(github: github, capacity: 2)
        for user in ["a", "b", "c", "b", "c", "a"] { _ = try await cache.access(repository: "acme/web", user: user) }
        #expect(await github.asked == ["a", "b", "c", "a"], "a was forgotten when c came; b and c stayed")
    }
}
