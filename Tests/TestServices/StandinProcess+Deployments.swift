import Foundation
import HTTPTransport

/// Admin helpers for the stand-in's deployments (`deployments.py`) and comments (`comments.py`).
extension StandinProcess {
    /// One deployment as the stand-in recorded it, with its statuses oldest first.
    public struct RecordedDeployment: Sendable {
        public var id: Int
        public var ref: String
        public var environment: String
        public var transientEnvironment: Bool
        public var productionEnvironment: Bool
        public var autoMerge: Bool
        public var requiredContexts: [String]?
        /// (state, description, environment_url, log_url), oldest first.
        public var statuses: [(state: String, description: String, environmentURL: String, logURL: String)]
    }

    /// Every deployment, oldest first, and every deployment write request's status code.
    public func deployments() async throws -> (deployments: [RecordedDeployment], requests: [[String: Any]]) {
        let object = try await adminGet("_standin/deployments")
        let deployments = (object["deployments"] as? [[String: Any]] ?? []).map { entry in
            RecordedDeployment(
                id: entry["id"] as? Int ?? 0, ref: entry["ref"] as? String ?? "", environment: entry["environment"] as? String ?? "",
                transientEnvironment: entry["transient_environment"] as? Bool ?? false,
                productionEnvironment: entry["production_environment"] as? Bool ?? true,
                autoMerge: entry["auto_merge"] as? Bool ?? true, requiredContexts: entry["required_contexts"] as? [String],
                statuses: (entry["statuses"] as? [[String: Any]] ?? []).map {
                    ($0["state"] as? String ?? "", $0["description"] as? String ?? "", $0["environment_url"] as? String ?? "",
                     $0["log_url"] as? String ?? "")
                })
        }
        return (deployments, object["requests"] as? [[String: Any]] ?? [])
    }

    /// Live comments (with `id`, `body`, `user.login`, `issue`, `edits`) and the history of every
    /// create/edit/delete (`action`, `id`, `login`).
    public func comments() async throws -> (live: [[String: Any]], history: [[String: Any]]) {
        let object = try await adminGet("_standin/comments")
        return (object["comments"] as? [[String: Any]] ?? [], object["history"] as? [[String: Any]] ?? [])
    }

    private func adminGet(_ path: String) async throws -> [String: Any] {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent(path)))
        return try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
    }
}
