import Foundation
import GitHub
import Orchestrator

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

extension EnvironmentSupervisor {
    /// Catches up on webhooks that never arrived: GitHub does not retry a failed delivery, so a
    /// `closed` lost while prenv was down would leave an environment running (and costing money)
    /// for good. Asks GitHub about each PR whose environment prenv still wants, and feeds the answer
    /// through the same path as a webhook: a closed PR is destroyed, a newer head or changed labels
    /// applied. `updated_at` orders it against the webhooks, so a stale answer changes nothing.
    /// One request per open PR per pass; a lookup failure (404, no permission, GitHub down) skips
    /// that PR until the next pass and never destroys anything.
    public func checkPullRequests() async {
        guard let lookup = pullRequests, !stopping else { return }
        let open = Set(slots.values.filter { !$0.record.machine.isClosed }.map { PullRequestID(repository: $0.record.key.repository, number: $0.record.key.pr) })
        for id in open.sorted() {
            guard !Task.isCancelled else { return }  // shutting down
            let current: PullRequestEvent.PullRequest
            do {
                current = try await lookup.pullRequest(repository: id.repository, number: id.number)
            } catch {
                logger.warning("could not check pull request", metadata: ["pr": "\(id.repository)#\(id.number)", "error": "\(error)"])
                continue
            }
            guard !stopping, let repository = PullRequestEvent.Repository(fullName: id.repository) else { return }
            let event = PullRequestEvent(action: current.state == "closed" ? "closed" : "synchronize", pullRequest: current, repository: repository)
            guard let sequence = event.sequence else { continue }
            let before = Dictionary(uniqueKeysWithValues: slots.map { ($0.key, $0.value.record.machine) })
            let touched = absorb(event, sequence: sequence).filter { slots[$0]?.record.machine != before[$0] }
            for key in touched {
                logger.info("caught up with a missed webhook", metadata: ["environment": "\(key)", "state": "\(current.state)", "head": "\(current.head.sha)"])
                await persistAndLaunch(key)
            }
        }
    }

    /// Runs `checkPullRequests` every `interval` until cancelled.
    public func runPullRequestChecks(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await checkPullRequests()
        }
    }
}

struct PullRequestID: Hashable, Comparable {
    var repository: String
    var number: Int

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.repository, lhs.number) < (rhs.repository, rhs.number) }
}
