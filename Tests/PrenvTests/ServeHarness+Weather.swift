import LocalAWSSupport

/// Bad AWS weather for one `prenv serve` harness: the local endpoint throttles, fails and slows every
/// call signed with this harness's access key (and no one else's, so tests running beside it are
/// untouched). Issue 16's crash test runs under it: 20 % throttling, 5 % 5xx, 200 ms added latency.
extension ServeHarness {
    struct Weather: Sendable {
        var throttleRate = 0.20
        var serverErrorRate = 0.05
        var latencyMilliseconds = 200

        static let issue16 = Weather()
    }

    /// Installs the rules; they stay until `clearWeather()` (or the endpoint is reset).
    func inject(_ weather: Weather) async throws {
        try await LocalAWS.addFault(["kind": "latency", "access_key": accessKey, "latency_ms": weather.latencyMilliseconds, "rate": 1.0])
        try await LocalAWS.addFault(["kind": "throttle", "access_key": accessKey, "rate": weather.throttleRate])
        try await LocalAWS.addFault(["kind": "error", "access_key": accessKey, "status": 500, "rate": weather.serverErrorRate])
    }

    func clearWeather() async throws {
        try await LocalAWS.admin("DELETE", "/_prenv/faults?access_key=\(accessKey)")
    }

    /// How many calls of this harness's key the endpoint answered with an injected fault, by kind
    /// (`throttled`, `errors`, `delayed`), from `/_prenv/stats`.
    func injectedFaults() async throws -> [String: Int] {
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(accessKey)")
        return stats["injected"] as? [String: Int] ?? [:]
    }
}
