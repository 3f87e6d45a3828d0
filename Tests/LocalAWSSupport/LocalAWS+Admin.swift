import HTTPTransport
import Foundation

/// The local endpoint's admin API (`/_prenv/…`, see infra/local/README.md), for arranging faults and scenarios.
extension LocalAWS {
    public struct AdminError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Sends a JSON admin request and returns the decoded JSON object.
    @discardableResult
    public static func admin(_ method: String, _ path: String, _ body: [String: any Sendable]? = nil) async throws -> [String: Any] {
        var headers = HTTPHeaders()
        var data = Data()
        if let body {
            headers["Content-Type"] = "application/json"
            data = try JSONSerialization.data(withJSONObject: body)
        }
        let url = URL(string: endpoint.absoluteString + path) ?? endpoint
        let response = try await transport.send(HTTPRequest(method: method, url: url, headers: headers, body: data))
        guard (200..<300).contains(response.status) else {
            throw AdminError(description: "\(method) \(path) → HTTP \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]) ?? [:]
    }

    /// Adds a fault rule (kinds: throttle, error, latency, hold, rps), usually scoped to one test's access key;
    /// returns its id, for `waitUntilFired`.
    @discardableResult
    public static func addFault(_ rule: [String: any Sendable]) async throws -> String {
        let added = try await admin("POST", "/_prenv/faults", rule)
        guard let id = added["id"] as? String else { throw AdminError(description: "fault rule without an id: \(added)") }
        return id
    }

    /// Polls until rule `id` has fired `times` times. The endpoint counts a latency or hold rule as
    /// fired before it starts sleeping or holding, so afterwards the delayed call is known to be in
    /// flight. Throws when `limit` passes first: a wait that times out must fail the test.
    public static func waitUntilFired(_ id: String, times: Int = 1, within limit: Duration = .seconds(60)) async throws {
        try await waitUntil(id, counted: "fired", reaches: times, within: limit)
    }

    /// Polls until `times` calls held by hold rule `id` went on and got their answer: the call was
    /// carried out, whether or not its caller was still waiting.
    public static func waitUntilLanded(_ id: String, times: Int = 1, within limit: Duration = .seconds(60)) async throws {
        try await waitUntil(id, counted: "landed", reaches: times, within: limit)
    }

    /// Lets the calls hold rule `id` holds go on (`POST /_prenv/faults/<id>/release`).
    public static func releaseHold(_ id: String) async throws {
        try await admin("POST", "/_prenv/faults/\(id)/release")
    }

    private static func waitUntil(_ id: String, counted counter: String, reaches times: Int, within limit: Duration) async throws {
        let deadline = ContinuousClock.now + limit
        while true {
            let faults = try await admin("GET", "/_prenv/faults")["faults"] as? [[String: Any]] ?? []
            let count = faults.first { $0["id"] as? String == id }?[counter] as? Int ?? 0
            if count >= times { return }
            guard ContinuousClock.now < deadline else {
                throw AdminError(description: "fault \(id) \(counter) \(count) of \(times) times within \(limit)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Requests the endpoint saw for one access key, as `"service.Operation": count`.
    public static func callCounts(accessKey: String) async throws -> [String: Int] {
        let stats = try await admin("GET", "/_prenv/stats?access_key=\(accessKey)")
        var counts: [String: Int] = [:]
        for (service, operations) in stats["requests"] as? [String: [String: Int]] ?? [:] {
            for (operation, count) in operations { counts["\(service).\(operation)"] = count }
        }
        return counts
    }

    /// An IAM user with an allow-all policy in moto, for signature-verification tests.
    public static func createIAMUser() async throws -> (accessKeyID: String, secretAccessKey: String) {
        let result = try await admin("POST", "/_prenv/iam/user", [:])
        guard let key = result["access_key_id"] as? String, let secret = result["secret_access_key"] as? String else {
            throw AdminError(description: "unexpected /_prenv/iam/user answer: \(result)")
        }
        return (key, secret)
    }
}
