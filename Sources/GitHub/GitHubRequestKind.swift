import Foundation
import HTTPTransport
import Telemetry

extension GitHubClient {
    /// What a request to GitHub writes or reads, for the `kind` label of `prenv_github_requests_total`.
    /// Read from the route's shape only (which segment is `statuses`, `pulls`, …), never from the
    /// owner, repository or ids in it, so the label stays a closed set whatever the repositories are.
    static func kind(method: String, url: URL, baseURL: URL) -> Telemetry.GitHubKind {
        let base = baseURL.path(percentEncoded: true).split(separator: "/")
        var segments = Array(url.path(percentEncoded: true).split(separator: "/").map(String.init))
        guard segments.count > base.count, zip(base, segments).allSatisfy({ $0 == $1 }) else { return .other }
        segments.removeFirst(base.count)
        let route: ArraySlice<String>
        switch segments.first {
        case "repos" where segments.count >= 3: route = segments.dropFirst(3)
        case "repositories" where segments.count >= 2: route = segments.dropFirst(2)
        case "app": return segments.last == "access_tokens" ? .appToken : .app
        default: return .other
        }
        let parts = Array(route)
        let writes = method != "GET" && method != "HEAD"
        switch (parts.count, parts.first) {
        case (2, "statuses"): return .status
        case (1, "deployments"): return writes ? .deployment : .other
        case (3, "deployments") where parts[2] == "statuses": return .deploymentStatus
        case (3, "issues") where parts[1] == "comments": return .comment
        case (3, "issues") where parts[2] == "comments": return writes ? .comment : .commentList
        case (4, "issues") where parts[3] == "reactions": return .reaction
        case (1, "pulls"): return .pullRequestList
        case (2, "pulls"): return .pullRequest
        case (3, "collaborators") where parts[2] == "permission": return .permission
        case (1, "installation"): return .app
        case (_, "contents"): return writes ? .other : .contents
        default: return .other
        }
    }

    /// The `outcome` label of an answer that is not a success.
    static func outcome(status: Int, rateLimited: Bool) -> Telemetry.GitHubOutcome {
        if rateLimited { return .rateLimited }
        return status >= 500 ? .serverError : .clientError
    }

    /// Records `X-RateLimit-Remaining` when the answer carries it.
    static func recordRateLimit(_ response: HTTPResponse) {
        if let remaining = response.headers["X-RateLimit-Remaining"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            Telemetry.githubRateLimitRemaining(remaining)
        }
    }
}
