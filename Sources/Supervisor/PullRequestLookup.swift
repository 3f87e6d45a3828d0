import GitHub

/// Looks up a pull request as GitHub reports it now.
public protocol PullRequestLookup: Sendable {
    func pullRequest(repository: String, number: Int) async throws -> PullRequestEvent.PullRequest
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`.
public struct GitHubPullRequestLookup: PullRequestLookup {
    let client: GitHubClient

    public init(client: GitHubClient) { self.client = client }

    public func pullRequest(repository: String, number: Int) async throws -> PullRequestEvent.PullRequest {
        guard let repo = PullRequestEvent.Repository(fullName: repository) else {
            throw GitHubError(status: 0, message: "repository \(repository) is not OWNER/NAME")
        }
        return try await client.pullRequest(owner: repo.owner.login, repo: repo.name, number: number)
    }
}
