import Foundation
import HTTPTransport

/// `POST /repos/{o}/{r}/deployments` and its statuses: GitHub's "View deployment" button.
extension GitHubClient {
    /// What prenv asks GitHub to record: one deployment per environment and head commit.
    public struct DeploymentRequest: Sendable, Equatable, Encodable {
        public var ref: String
        public var environment: String
        public var description: String?
        public var transientEnvironment = true
        public var productionEnvironment = false
        public var autoMerge = false
        /// Empty: GitHub would otherwise refuse a deployment while the commit's own checks are pending.
        public var requiredContexts: [String] = []
        public var task = "deploy"

        public init(ref: String, environment: String, description: String? = nil) {
            self.ref = ref
            self.environment = environment
            self.description = description
        }

        enum CodingKeys: String, CodingKey {
            case ref, environment, description, task
            case transientEnvironment = "transient_environment"
            case productionEnvironment = "production_environment"
            case autoMerge = "auto_merge"
            case requiredContexts = "required_contexts"
        }
    }

    public struct Deployment: Sendable, Equatable, Decodable {
        public var id: Int64
        public var sha: String?
        public var environment: String?
    }

    /// A deployment status: `in_progress`, `success`, `failure`, `error`, `inactive`, `queued`, `pending`.
    public struct DeploymentStatusRequest: Sendable, Equatable, Encodable {
        public enum State: String, Sendable, Encodable, CaseIterable {
            case error, failure, inactive, inProgress = "in_progress", queued, pending, success
        }

        public var state: State
        /// GitHub's limit is 140 characters, as for commit statuses; cut the same way.
        public private(set) var description: String?
        public var environmentURL: URL?
        public var logURL: URL?
        /// Off: prenv marks earlier deployments `inactive` itself, and only when it destroys them.
        public var autoInactive = false

        public init(state: State, description: String?, environmentURL: URL? = nil, logURL: URL? = nil) {
            self.state = state
            self.description = description.map(CommitStatus.sanitised)
            self.environmentURL = environmentURL
            self.logURL = logURL
        }

        enum CodingKeys: String, CodingKey {
            case state, description
            case environmentURL = "environment_url"
            case logURL = "log_url"
            case autoInactive = "auto_inactive"
        }
    }

    public struct DeploymentStatus: Sendable, Equatable, Decodable {
        public var id: Int64
        public var state: String?
    }

    /// `POST /repos/{owner}/{repo}/deployments` (201). GitHub answers 409 when an `auto_merge` would
    /// conflict and 422 for a ref it does not know: both thrown as `GitHubError`.
    public func createDeployment(owner: String, repo: String, _ deployment: DeploymentRequest) async throws -> Deployment {
        let response = try await send(method: "POST", path: ["repos", owner, repo, "deployments"], body: try JSONEncoder().encode(deployment))
        return try decode(Deployment.self, from: response, what: "deployment")
    }

    /// `POST /repos/{owner}/{repo}/deployments/{id}/statuses` (201).
    @discardableResult
    public func createDeploymentStatus(owner: String, repo: String, deploymentID: Int64, _ status: DeploymentStatusRequest) async throws
        -> DeploymentStatus
    {
        let response = try await send(method: "POST", path: ["repos", owner, repo, "deployments", String(deploymentID), "statuses"],
                                      body: try JSONEncoder().encode(status))
        return try decode(DeploymentStatus.self, from: response, what: "deployment status")
    }

    /// Decodes a 2xx body, or says which answer could not be read (a response is not trusted text:
    /// only the decoder's error, never the body, goes into the message).
    func decode<T: Decodable>(_ type: T.Type, from response: HTTPResponse, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw GitHubError(status: response.status, message: "unexpected \(what) body: \(error)")
        }
    }
}
