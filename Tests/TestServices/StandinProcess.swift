import HTTPTransport
import Foundation

/// `infra/github-standin/standin.py` started by a test on a free port and stopped by it.
public final class StandinProcess: Sendable {
    private let service: ServiceProcess
    public let token: String
    public var url: URL { service.url }

    /// - Parameter extraTokens: more tokens accepted as the same user; the statuses each writes are
    ///   told apart by their `_token` (the token's SHA-256, first 12 hex digits) (one per `prenv serve` replica, say).
    public init(token: String = "ghs_standin_\(UUID().uuidString)", extraTokens: [String] = []) async throws {
        self.token = token
        service = try await ServiceProcess(
            script: "infra/github-standin/standin.py", arguments: ["--token", token] + extraTokens.flatMap { ["--extra-token", $0] },
            hint: "needs python3 on PATH")
    }

    /// Admin call: `POST /_standin/<path>` with a JSON body.
    public func admin(_ path: String, _ body: [String: Any] = [:]) async throws -> Data {
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("_standin/\(path)"),
                                  headers: ["Content-Type": "application/json"], body: try JSONSerialization.data(withJSONObject: body))
        return try await CurlTransport().send(request).body
    }

    /// Every status the stand-in accepted, in order, and every status request's headers.
    public func received() async throws -> (statuses: [[String: Any]], requests: [[String: Any]]) {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/statuses")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["statuses"] as? [[String: Any]] ?? [], object?["requests"] as? [[String: Any]] ?? [])
    }

    /// Pull-request listing requests so far: how many were answered `200` and `304`, and each one's
    /// path and status, in order.
    /// How many `GET /repos/{o}/{r}/pulls/{n}` lookups the stand-in answered.
    public func lookups() async throws -> Int {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/listings")))
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["lookups"] as? Int ?? -1
    }

    public func listings() async throws -> (ok: Int, notModified: Int, requests: [(path: String, status: Int)]) {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/listings")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let counts = object?["counts"] as? [String: Int] ?? [:]
        let requests = (object?["requests"] as? [[String: Any]] ?? []).map { ($0["path"] as? String ?? "", $0["status"] as? Int ?? 0) }
        return (counts["200"] ?? 0, counts["304"] ?? 0, requests)
    }

    public func stop() { service.stop() }
}
