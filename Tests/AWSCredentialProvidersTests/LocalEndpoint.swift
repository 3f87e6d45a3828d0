import HTTPTransport
import Foundation
import Testing

/// The local AWS endpoint (`infra/local/prenv_local.py`) that serves IMDSv2 and container credentials over real HTTP.
///
/// Tests that need it call `require()`, which fails the test with start-up instructions when the endpoint is down:
/// an integration test that silently passes without its server proves nothing.
enum LocalEndpoint {
    static var baseURL: String {
        let raw = ProcessInfo.processInfo.environment["PRENV_TEST_AWS_ENDPOINT"] ?? "http://127.0.0.1:4566"
        return raw.hasSuffix("/") ? String(raw.dropLast()) : raw
    }

    static let transport = CurlTransport(timeout: .seconds(10))

    struct NotRunning: Error, CustomStringConvertible {
        let description: String
    }

    static func require() async throws {
        let url = baseURL + "/_prenv/health"
        let detail: String
        do {
            let response = try await get("/_prenv/health")
            if response.status == 200 { return }
            detail = "HTTP \(response.status)"
        } catch {
            detail = String(describing: error)
        }
        throw NotRunning(description: "local AWS endpoint not answering \(url) (\(detail)). Start it with "
            + "`infra/local/start --port 4566` (or `make local-aws-start`), or run everything with `make test`; "
            + "set PRENV_TEST_AWS_ENDPOINT if it listens elsewhere")
    }

    static func get(_ path: String) async throws -> HTTPResponse {
        guard let url = URL(string: baseURL + path) else { throw NotRunning(description: "bad URL \(baseURL + path)") }
        return try await transport.send(HTTPRequest(method: "GET", url: url, timeout: .seconds(3)))
    }

    /// A path below the container-credentials endpoint of this test's own (the endpoint serves any path below it).
    static func uniqueContainerPath() -> String {
        "/_prenv/container-credentials/test-" + UUID().uuidString.lowercased()
    }
}

extension LocalEndpoint {
    /// The endpoint's credential fetch counters (`GET /_prenv/credentials`), e.g. `["container": 3, "imds_credentials": 1]`.
    /// They are shared by every test using the endpoint, so callers compare deltas with some tolerance.
    static func fetchCounts() async throws -> [String: Int] {
        let response = try await get("/_prenv/credentials")
        guard response.status == 200,
              let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let fetches = object["fetches"] as? [String: Int] else {
            throw NotRunning(description: "unexpected answer from \(baseURL)/_prenv/credentials (HTTP \(response.status))")
        }
        return fetches
    }
}
