import HTTPTransport
import Foundation

/// `infra/github-standin/standin.py` started by a test on a free port and stopped by it.
public final class StandinProcess: Sendable {
    private let service: ServiceProcess
    public let token: String
    public var url: URL { service.url }

    public init(token: String = "ghs_standin_\(UUID().uuidString)") async throws {
        self.token = token
        service = try await ServiceProcess(
            script: "infra/github-standin/standin.py", arguments: ["--token", token], hint: "needs python3 on PATH")
    }

    /// Admin call: `POST /_standin/<path>` with a JSON body.
    public func admin(_ path: String, _ body: [String: Any] = [:]) async throws -> Data {
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("_standin/\(path)"),
                                  headers: ["Content-Type": "application/json"], body: try JSONSerialization.data(withJSONObject: body))
        return try await URLSessionTransport().send(request).body
    }

    /// Every status the stand-in accepted, in order, and every status request's headers.
    public func received() async throws -> (statuses: [[String: Any]], requests: [[String: Any]]) {
        let response = try await URLSessionTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/statuses")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["statuses"] as? [[String: Any]] ?? [], object?["requests"] as? [[String: Any]] ?? [])
    }

    public func stop() { service.stop() }
}
