import HTTPTransport
import Foundation

extension Doctor {
    /// With `GITHUB_TOKEN` set, checks the token against `GET /rate_limit` (free, works for every token kind).
    func github() async -> DoctorCheck {
        guard let token = environment["GITHUB_TOKEN"], !token.isEmpty else {
            return .skip("github", "GITHUB_TOKEN not set (statuses will be logged instead of posted)")
        }
        let base = environment["GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.github.com"
        guard let url = URL(string: base.hasSuffix("/") ? base + "rate_limit" : base + "/rate_limit") else {
            return .fail("github", "GITHUB_API_URL is not a URL: \(base)")
        }
        var headers = HTTPHeaders()
        headers["Authorization"] = "Bearer \(token)"
        headers["Accept"] = "application/vnd.github+json"
        headers["User-Agent"] = "prenv"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
        do {
            let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers))
            if response.status == 404, Self.githubMessage(response.body).contains("Rate limiting is not enabled") {
                // GitHub Enterprise Server without rate limiting (its default) has no /rate_limit.
                return .skip("github", "\(base): reachable, but rate limiting is disabled there, so the token could not be checked")
            }
            guard response.status == 200 else {
                return .fail("github", "GET \(url.path) answered HTTP \(response.status): \(Self.githubMessage(response.body))")
            }
            let remaining = response.headers["x-ratelimit-remaining"] ?? "?"
            return .ok("github", "\(base): token accepted, \(remaining) requests left this hour")
        } catch {
            return .fail("github", String(describing: error))
        }
    }

    static func githubMessage(_ body: Data) -> String {
        let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        return (object?["message"] as? String) ?? "no message"
    }
}
