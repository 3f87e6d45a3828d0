import Foundation
@testable import GitHub
import Testing

/// The `kind` label of `prenv_github_requests_total` comes from a route's shape, never from the
/// owner, repository or ids in it: hostile names land in the same few kinds.
@Suite struct GitHubRequestKindTests {
    static func url(_ text: String) throws -> URL { try #require(URL(string: text)) }

    @Test(arguments: [
        ("POST", "https://api.github.com/repos/acme/webapp/statuses/0123abc", "status"),
        ("POST", "https://api.github.com/repos/acme/webapp/deployments", "deployment"),
        ("POST", "https://api.github.com/repos/acme/webapp/deployments/17/statuses", "deployment_status"),
        ("POST", "https://api.github.com/repos/acme/webapp/issues/5/comments", "comment"),
        ("PATCH", "https://api.github.com/repos/acme/webapp/issues/comments/99", "comment"),
        ("GET", "https://api.github.com/repos/acme/webapp/issues/5/comments?per_page=100&page=2", "comment_list"),
        ("POST", "https://api.github.com/repos/acme/webapp/issues/comments/99/reactions", "reaction"),
        ("GET", "https://api.github.com/repos/acme/webapp/pulls/5", "pull_request"),
        ("GET", "https://api.github.com/repos/acme/webapp/pulls?state=open&per_page=100", "pull_request_list"),
        ("GET", "https://api.github.com/repositories/123456/pulls?state=open&page=2", "pull_request_list"),
        ("GET", "https://api.github.com/repos/acme/webapp/collaborators/octocat/permission", "permission"),
        ("GET", "https://api.github.com/repos/acme/webapp/installation", "app"),
        ("GET", "https://api.github.com/repos/acme/webapp/contents/.prenv?ref=feature%2Fx", "contents"),
        ("GET", "https://api.github.com/repos/acme/webapp/contents/.prenv/stacks/site.yaml?ref=main", "contents"),
        ("POST", "https://api.github.com/app/installations/42/access_tokens", "app_token"),
        ("GET", "https://api.github.com/user", "other"),
        ("GET", "https://elsewhere.example/repos/acme/webapp/pulls/5", "pull_request"),
    ])
    func kinds(method: String, url: String, kind: String) throws {
        #expect(GitHubClient.kind(method: method, url: try Self.url(url), baseURL: GitHubClient.defaultBaseURL).rawValue == kind)
    }

    @Test func enterpriseBaseURLsAreStrippedFirst() throws {
        let base = try Self.url("https://ghe.example/api/v3")
        #expect(GitHubClient.kind(method: "POST", url: try Self.url("https://ghe.example/api/v3/repos/a/b/statuses/1"), baseURL: base) == .status)
        #expect(GitHubClient.kind(method: "POST", url: try Self.url("https://ghe.example/other/repos/a/b/statuses/1"), baseURL: base) == .other)
    }

    /// Encoded slashes and route words inside an owner or repository name do not move the route.
    @Test func hostileNamesDoNotChangeTheKind() throws {
        let url = try Self.url("https://api.github.com/repos/statuses%2Fx/pulls%2F1/issues/5/comments")
        #expect(GitHubClient.kind(method: "POST", url: url, baseURL: GitHubClient.defaultBaseURL) == .comment)
    }
}
