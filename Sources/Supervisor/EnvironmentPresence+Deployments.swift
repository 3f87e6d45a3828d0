import Foundation
import GitHub
import Orchestrator
import UntrustedText

/// The deployment of each head commit: created on first use (its id stored, so a restart continues
/// the same one), then its statuses. Every write ensures the deployment exists before its status,
/// so a coalesced or dropped earlier write (`in_progress`) never leaves a later one (`success`)
/// without its deployment. GitHub refusing a deployment (409, 422) is logged with GitHub's message
/// and not asked again for that commit; the commit statuses go out regardless.
extension EnvironmentPresence {
    func submitDeployment(_ key: EnvironmentKey, sha: String, state: GitHubClient.DeploymentStatusRequest.State, description: String,
                          url: URL?, priority: GitHubWrite.Priority) {
        guard github != nil else { return }
        submit(key, sha: sha, fingerprint: [state.rawValue, description, url?.absoluteString ?? ""].joined(separator: "\u{1F}"), priority: priority) {
            try await self.postDeploymentStatus(key, sha: sha, .init(state: state, description: description, environmentURL: url))
        }
    }

    /// `inactive` on the environment's latest deployment (whichever commit it was for): the
    /// environment is gone, and GitHub would otherwise show a stale "View deployment" for good.
    func submitInactive(_ key: EnvironmentKey, sha: String, reason: String) {
        guard github != nil else { return }
        submit(key, sha: sha, fingerprint: "inactive\u{1F}\(reason)", priority: .final) {
            guard let latest = try await self.store.latestDeployment(key) else { return 0 }
            return try await self.postDeploymentStatus(key, sha: latest.sha, .init(state: .inactive, description: reason), create: false)
        }
    }

    private func submit(_ key: EnvironmentKey, sha: String, fingerprint: String, priority: GitHubWrite.Priority,
                        perform: @escaping @Sendable () async throws -> Int) {
        reporter.submit(GitHubWrite(
            kind: .deploymentStatus, priority: priority, repository: key.repository, pullRequest: key.pr, sha: sha,
            coalescingKey: "deployment \(key)@\(sha)", fingerprint: fingerprint, cost: 2, createdAt: now(), perform: perform))
    }

    /// Posts `status` on the deployment of `sha`, creating it first unless `create` is false.
    /// Returns the write requests made.
    func postDeploymentStatus(_ key: EnvironmentKey, sha: String, _ status: GitHubClient.DeploymentStatusRequest, create: Bool = true) async throws -> Int {
        guard let github, let (owner, repo) = Self.split(key.repository) else { return 0 }
        let refusedKey = "\(key)@\(sha)"
        if state.withLock({ $0.refusedDeployments.contains(refusedKey) }) { return 0 }
        var writes = 0
        let id: Int64
        if let stored = try await store.deployment(key, sha: sha) {
            id = stored.id
        } else {
            guard create else { return 0 }
            let request = GitHubClient.DeploymentRequest(ref: sha, environment: Self.deploymentEnvironment(key),
                                                         description: "prenv \(key.blueprint) for pull request #\(key.pr)")
            do {
                id = try await github.createDeployment(owner: owner, repo: repo, request).id
                writes += 1
            } catch let error as GitHubError where error.status == 409 || error.status == 422 {
                state.withLock { state in
                    if state.refusedDeployments.count > 10_000 { state.refusedDeployments.removeAll() }
                    state.refusedDeployments.insert(refusedKey)
                }
                logger.warning("GitHub refused the deployment; commit statuses still report the environment", metadata: [
                    "environment": "\(key)", "sha": "\(sha.prefix(12))", "github": "\(UntrustedText.printable(error.description, limit: 500))",
                ])
                return 1
            }
            try await store.saveDeployment(key, StoredDeployment(sha: sha, id: id))
        }
        do {
            try await github.createDeploymentStatus(owner: owner, repo: repo, deploymentID: id, status)
        } catch let error as GitHubError where (400..<500).contains(error.status) && error.status != 403 && error.status != 429 {
            logger.warning("GitHub refused the deployment status", metadata: [
                "environment": "\(key)", "deployment": "\(id)", "state": "\(status.state.rawValue)",
                "github": "\(UntrustedText.printable(error.description, limit: 500))",
            ])
        }
        return writes + 1
    }

    static func split(_ repository: String) -> (String, String)? {
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}
