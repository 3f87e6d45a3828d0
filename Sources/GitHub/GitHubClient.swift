import HTTPTransport
import Foundation
import Logging

/// GitHub's REST API, the calls prenv makes. Sends the headers GitHub requires on every request,
/// retries 5xx with backoff and waits out rate limits within `retryPolicy`'s bounds.
/// `sleep` and `now` are injected so tests can observe waits without taking them.
public struct GitHubClient: Sendable {
    public static let defaultBaseURL: URL = {
        guard let url = URL(string: "https://api.github.com") else { preconditionFailure("constant URL is valid") }
        return url
    }()
    public static let apiVersion = "2022-11-28"

    public let baseURL: URL
    public let userAgent: String
    public let retryPolicy: GitHubRetryPolicy
    private let token: String
    private let transport: any HTTPSender
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// - Parameter baseURL: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public init(
        baseURL: URL = GitHubClient.defaultBaseURL,
        token: String,
        transport: any HTTPSender,
        userAgent: String = "prenv",
        retryPolicy: GitHubRetryPolicy = GitHubRetryPolicy(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "prenv.github")
    ) {
        self.baseURL = baseURL
        self.token = token
        self.transport = transport
        self.userAgent = userAgent
        self.retryPolicy = retryPolicy
        self.sleep = sleep
        self.now = now
        self.logger = logger
    }

    /// The id GitHub gave a created status.
    public struct CreatedStatus: Sendable, Equatable, Decodable {
        public var id: Int
    }

    /// `POST /repos/{owner}/{repo}/statuses/{sha}`.
    @discardableResult
    public func createStatus(owner: String, repo: String, sha: String, status: CommitStatus) async throws -> CreatedStatus {
        let body = try JSONEncoder().encode(status)
        let response = try await send(method: "POST", path: ["repos", owner, repo, "statuses", sha], body: body)
        return (try? JSONDecoder().decode(CreatedStatus.self, from: response.body)) ?? CreatedStatus(id: 0)
    }

    /// `GET /repos/{owner}/{repo}/pulls/{number}`: the PR as it is now (state, head, base, labels,
    /// `updated_at`), decoded with the webhook payload's own model.
    public func pullRequest(owner: String, repo: String, number: Int) async throws -> PullRequestEvent.PullRequest {
        let response = try await send(method: "GET", path: ["repos", owner, repo, "pulls", String(number)], body: Data())
        do {
            return try JSONDecoder().decode(PullRequestEvent.PullRequest.self, from: response.body)
        } catch {
            throw GitHubError(status: response.status, message: "unexpected pull request body: \(error)")
        }
    }

    /// Builds the URL from path segments, each percent-encoded, so `/` or `?` in a name cannot
    /// change the route.
    func url(for segments: [String]) throws -> URL {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let path = segments.map(Self.encodeSegment).joined(separator: "/")
        guard let url = URL(string: base + "/" + path) else {
            throw GitHubError(status: 0, message: "cannot build a URL from base \(baseURL.absoluteString)")
        }
        return url
    }

    static func encodeSegment(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    func request(method: String, url: URL, body: Data) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers["Authorization"] = "Bearer \(token)"
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = Self.apiVersion
        headers["User-Agent"] = userAgent
        if !body.isEmpty { headers["Content-Type"] = "application/json" }
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    /// Sends with retries; returns a 2xx response or throws `GitHubError` / `HTTPTransportError`.
    func send(method: String, path: [String], body: Data) async throws -> HTTPResponse {
        let request = request(method: method, url: try url(for: path), body: body)
        var attempt = 1
        while true {
            let response: HTTPResponse
            do {
                response = try await transport.send(request)
            } catch let error as HTTPTransportError where error.kind == .connectionFailed && attempt < retryPolicy.maxAttempts {
                try await wait(retryPolicy.backoff(attempt: attempt), reason: "connection failed", attempt: attempt)
                attempt += 1
                continue
            }
            if (200..<300).contains(response.status) { return response }
            let error = GitHubError(status: response.status, body: response.body)
            guard attempt < retryPolicy.maxAttempts,
                  let delay = retryPolicy.delay(for: response, error: error, attempt: attempt, now: now()) else {
                throw error
            }
            try await wait(delay, reason: error.description, attempt: attempt)
            attempt += 1
        }
    }

    private func wait(_ delay: Duration, reason: String, attempt: Int) async throws {
        logger.warning("GitHub request will be retried", metadata: ["attempt": "\(attempt)", "delay": "\(delay)", "reason": "\(reason)"])
        try await sleep(delay)
    }
}
