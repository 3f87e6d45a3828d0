import HTTPTransport
import Foundation

/// Admin helpers for `collaborators.py`: who may write, and what prenv asked and reacted.
extension StandinProcess {
    /// Sets `login`'s role on `repository` (`admin`, `maintain`, `write`, `triage`, `read`, `none`).
    public func setRole(_ role: String, for login: String, on repository: String) async throws {
        _ = try await admin("permissions", ["repository": repository, "login": login, "role": role])
    }

    /// The next `count` permission lookups fail with `status`.
    public func failPermissionLookups(status: Int = 502, count: Int = 1) async throws {
        _ = try await admin("permissions/faults", ["status": status, "count": count])
    }

    /// Every permission lookup (`repository`, `login`, `status`) and every live reaction
    /// (`comment_id`, `content`, `login`), in order.
    public func collaborators() async throws -> (lookups: [[String: Any]], reactions: [[String: Any]]) {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/collaborators")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["lookups"] as? [[String: Any]] ?? [], object?["reactions"] as? [[String: Any]] ?? [])
    }

    /// Posts a comment as `login` (as a person would), returning its id.
    public func postComment(_ body: String, as login: String, on repository: String, issue: Int) async throws -> Int64 {
        let data = try await admin("comments", ["repository": repository, "issue": issue, "body": body, "login": login])
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["id"] as? NSNumber)?.int64Value ?? -1
    }

    /// The live comments (`id`, `body`, `user.login`, `issue`), oldest first.
    public func comments() async throws -> [[String: Any]] {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/comments")))
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["comments"] as? [[String: Any]] ?? []
    }
}
