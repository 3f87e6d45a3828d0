import GitHub

/// Asks GitHub about pull requests as they are now: one by number (a webhook may have been lost),
/// or every open one of a repository (a PR may have opened while prenv was not listening).
public protocol PullRequestLookup: Sendable {
    func pullRequest(repository: String, number: Int) async throws -> PullRequestEvent.PullRequest
    /// Every open pull request of `repository` (`OWNER/NAME`), all pages, with what the listing cost.
    func openPullRequests(repository: String) async throws -> PullRequestListing
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`, and `GET /repos/{owner}/{repo}/pulls?state=open`
/// as conditional requests against one page cache, so a listing of unchanged pages costs no rate limit.
public struct GitHubPullRequestLookup: PullRequestLookup {
    let client: GitHubClient
    let pages: ConditionalPageCache
    let perPage: Int

    /// - Parameter perPage: GitHub's largest page (100) unless a test wants several pages.
    public init(client: GitHubClient, pages: ConditionalPageCache = ConditionalPageCache(), perPage: Int = GitHubClient.maxPerPage) {
        self.client = client
        self.pages = pages
        self.perPage = perPage
    }

    public func pullRequest(repository: String, number: Int) async throws -> PullRequestEvent.PullRequest {
        let repo = try Self.split(repository)
        return try await client.pullRequest(owner: repo.owner.login, repo: repo.name, number: number)
    }

    public func openPullRequests(repository: String) async throws -> PullRequestListing {
        let repo = try Self.split(repository)
        return try await client.openPullRequests(owner: repo.owner.login, repo: repo.name, cache: pages, perPage: perPage)
    }

    private static func split(_ repository: String) throws -> PullRequestEvent.Repository {
        guard let repo = PullRequestEvent.Repository(fullName: repository) else {
            throw GitHubError(status: 0, message: "repository \(repository) is not OWNER/NAME")
        }
        return repo
    }
}
