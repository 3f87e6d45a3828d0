import Foundation
import HTTPTransport

/// The stand-in's secondary write limits (`write_limits.py`): turned on per test, and what it counted.
extension StandinProcess {
    /// What `GET /_standin/write-limits` reports.
    public struct WriteLimitCounts: Sendable, Equatable {
        public var accepted: Int
        public var refused: Int
    }

    /// Enforces `perMinute` and `perHour` writes per token, with windows shortened by `timeScale`.
    public func enforceWriteLimits(perMinute: Int?, perHour: Int?, timeScale: Double = 1) async throws {
        var body: [String: Any] = ["time_scale": timeScale, "reset_counts": true]
        body["per_minute"] = perMinute ?? NSNull()
        body["per_hour"] = perHour ?? NSNull()
        _ = try await admin("write-limits", body)
    }

    /// Writes accepted and refused (403 secondary rate limit) so far, over every token.
    public func writeLimitCounts() async throws -> WriteLimitCounts {
        let response = try await CurlTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/write-limits")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return WriteLimitCounts(accepted: object?["accepted"] as? Int ?? -1, refused: object?["refused"] as? Int ?? -1)
    }
}
