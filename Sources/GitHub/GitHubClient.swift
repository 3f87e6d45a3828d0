import Foundation
import HTTPTransport
import Logging
import Telemetry
import UntrustedText

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
    /// Asked for every request's `Authorization` header: a fixed token, or a GitHub App's installation tokens.
    public let credential: any GitHubCredential
    private let transport: any HTTPSender
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger

    /// A client with one fixed token (a personal access token): `init(credential: PersonalAccessToken(token), …)`.
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
        self.init(baseURL: baseURL, credential: PersonalAccessToken(token), transport: transport, userAgent: userAgent,
                  retryPolicy: retryPolicy, sleep: sleep, now: now, logger: logger)
    }

    /// The same client with another retry policy: the write scheduler's client hands rate limits back
    /// instead of sleeping on them (`GitHubRetryPolicy.forScheduledWrites`).
    public func with(retryPolicy: GitHubRetryPolicy) -> GitHubClient {
        GitHubClient(baseURL: baseURL, credential: credential, transport: transport, userAgent: userAgent, retryPolicy: retryPolicy,
                     sleep: sleep, now: now, logger: logger)
    }

    /// A client whose `Authorization` comes from `credential` per request (a GitHub App's installation
    /// token for the repository the request names).
    public init(
        baseURL: URL = GitHubClient.defaultBaseURL,
        credential: any GitHubCredential,
        transport: any HTTPSender,
        userAgent: String = "prenv",
        retryPolicy: GitHubRetryPolicy = GitHubRetryPolicy(),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "prenv.github")
    ) {
        self.baseURL = baseURL
        self.credential = credential
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
        let path = segments.map { PercentEncoding.encode($0) }.joined(separator: "/")
        guard let url = URL(string: base + "/" + path) else {
            throw GitHubError(status: 0, message: "cannot build a URL from base \(baseURL.absoluteString)")
        }
        return url
    }

    /// The request without `Authorization`: `send` adds it, since it depends on the repository and
    /// may change between attempts (a refreshed installation token).
    func request(method: String, url: URL, body: Data) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = Self.apiVersion
        headers["User-Agent"] = userAgent
        if !body.isEmpty { headers["Content-Type"] = "application/json" }
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    /// Sends with retries; returns a 2xx response or throws `GitHubError` / `HTTPTransportError`, or
    /// `CancellationError` when the task is cancelled.
    func send(method: String, path: [String], body: Data) async throws -> HTTPResponse {
        try await send(request(method: method, url: try url(for: path), body: body))
    }

    /// Sends `request` with retries. A status in `accepting` is an answer like a 2xx (a `304` to a
    /// conditional request), not a refusal to retry or throw. A 401 to a token the credential can
    /// replace (an installation token that expired mid-operation) is retried once with a fresh one.
    /// `repository` names the repository whose installation answers when the URL does not say it
    /// (GitHub's `Link` pages are `/repositories/{id}/…`); otherwise it is read from the URL.
    /// A 404, or a 403 that is no rate limit, about a repository is sent once more when the
    /// credential had a stale installation for it (`notFound`).
    func send(_ request: HTTPRequest, accepting: Set<Int> = [], repository named: String? = nil) async throws -> HTTPResponse {
        let repository = named ?? repository(of: request.url)
        let authorization = try await credential.authorization(for: repository)
        do {
            return try await send(request, authorization: authorization, accepting: accepting)
        } catch let error as GitHubError
                    where repository != nil && (error.status == 404 || (error.status == 403 && !error.message.lowercased().contains("rate limit"))) {
            guard let repository, try await credential.notFound(authorization, repository: repository) else { throw error }
            let fresh = try await credential.authorization(for: repository)
            logger.notice("GitHub did not find the repository with its remembered App installation; retrying once after looking it up again",
                          metadata: ["repository": "\(UntrustedText.printable(repository))"])
            return try await send(request, authorization: fresh, accepting: accepting)
        } catch let error as GitHubError where error.status == 401 {
            await credential.rejected(authorization, repository: repository)
            let fresh = try await credential.authorization(for: repository)
            guard fresh != authorization else { throw error }
            logger.notice("GitHub refused a cached installation token; retrying once with a fresh one",
                          metadata: ["repository": "\(repository.map { UntrustedText.printable($0) } ?? "-")"])
            return try await send(request, authorization: fresh, accepting: accepting)
        }
    }

    /// `owner/name` when `url` is under `{baseURL}/repos/{owner}/{name}`, else nil: which
    /// installation's token an App uses for the request.
    func repository(of url: URL) -> String? {
        // Split before decoding: an encoded `/` inside a name must not make a segment of its own.
        let base = baseURL.path(percentEncoded: true).split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        let segments = url.path(percentEncoded: true).split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        guard segments.count >= base.count + 3, zip(base, segments).allSatisfy({ $0 == $1 }) else { return nil }
        let rest = segments.dropFirst(base.count)
        guard rest.first == "repos" else { return nil }
        return "\(rest[rest.startIndex + 1])/\(rest[rest.startIndex + 2])"
    }

    private func send(_ unauthorized: HTTPRequest, authorization: String, accepting: Set<Int>) async throws -> HTTPResponse {
        var request = unauthorized
        request.headers["Authorization"] = authorization
        let kind = Self.kind(method: request.method, url: request.url, baseURL: baseURL)
        do {
            return try await RetryLoop(maxAttempts: retryPolicy.maxAttempts, sleep: sleep).run { _ in
                let response: HTTPResponse
                do {
                    response = try await transport.send(request)
                } catch where HTTPTransportError.isCancellation(error) {
                    Telemetry.githubAttempt(kind: kind, outcome: .cancelled)
                    throw CancellationError()
                }
                Self.recordRateLimit(response)
                guard (200..<300).contains(response.status) || accepting.contains(response.status) else {
                    throw Refusal(response: response, error: GitHubError(status: response.status, body: response.body))
                }
                Telemetry.githubAttempt(kind: kind, outcome: response.status == 304 ? .notModified : .success)
                return response
            } delay: { error, attempt in
                retryPolicy.delay(after: error, attempt: attempt, now: now())
            } onFailure: { error, attempt, retryIn in
                let outcome: Telemetry.GitHubOutcome = (error as? Refusal).map { refusal in
                    let limited = [403, 429].contains(refusal.response.status)
                        && retryPolicy.rateLimitWait(refusal.response, error: refusal.error, now: now()) != nil
                    return Self.outcome(status: refusal.response.status, rateLimited: limited)
                } ?? .transportError
                Telemetry.githubAttempt(kind: kind, outcome: outcome, retried: retryIn != nil)
                guard let retryIn else { return }
                let reason = (error as? Refusal)?.error.description ?? "connection failed"
                logger.warning("GitHub request will be retried", metadata: ["attempt": "\(attempt)", "delay": "\(retryIn)", "reason": "\(reason)"])
            }
        } catch let refusal as Refusal {
            var error = refusal.error
            if [403, 429].contains(refusal.response.status) {
                error.retryAfter = retryPolicy.rateLimitWait(refusal.response, error: error, now: now())
            }
            throw error
        }
    }
}

/// A non-2xx answer inside the retry loop: the policy reads its headers (`Retry-After`,
/// `x-ratelimit-*`); callers only ever see the `GitHubError`.
struct Refusal: Error {
    var response: HTTPResponse
    var error: GitHubError
}

/// When and how long to wait before repeating a GitHub request. GitHub asks clients to honour
/// `Retry-After` and `x-ratelimit-reset`; retrying sooner extends a secondary-limit ban.
/// Waits are bounded so a webhook-driven job never hangs for an hour on a primary limit.
public struct GitHubRetryPolicy: Sendable, Equatable {
    /// Total attempts including the first.
    public var maxAttempts: Int
    /// First 5xx backoff; doubled per attempt.
    public var baseDelay: Duration
    /// Cap for 5xx backoff.
    public var maxBackoff: Duration
    /// The longest rate-limit wait prenv accepts; beyond it the error is thrown at once.
    public var maxRateLimitWait: Duration
    /// Wait for a secondary limit that names no time (GitHub: "at least one minute").
    public var secondaryDefaultWait: Duration
    /// Off for the client behind the write scheduler (`StatusReporter`): a rate-limited write is
    /// thrown at once with `GitHubError.retryAfter`, so the scheduler pauses that token's sender and
    /// can let a newer write replace the refused one meanwhile, instead of this client sleeping up
    /// to `maxRateLimitWait` inside one write. 5xx and dropped connections are still retried.
    public var waitsOnRateLimits: Bool

    public init(maxAttempts: Int = 4, baseDelay: Duration = .seconds(1), maxBackoff: Duration = .seconds(16),
                maxRateLimitWait: Duration = .seconds(120), secondaryDefaultWait: Duration = .seconds(60), waitsOnRateLimits: Bool = true) {
        self.waitsOnRateLimits = waitsOnRateLimits
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxBackoff = maxBackoff
        self.maxRateLimitWait = maxRateLimitWait
        self.secondaryDefaultWait = secondaryDefaultWait
    }

    /// The policy of the client that makes GitHub writes for the scheduler: never sleeps on a rate limit.
    public static let forScheduledWrites = GitHubRetryPolicy(waitsOnRateLimits: false)

    /// Exponential backoff for attempt 1, 2, … (1 s, 2 s, 4 s … capped).
    public func backoff(attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(baseDelay * factor, maxBackoff)
    }

    /// The wait before retrying after `error` (a dropped connection, or a refused request), or nil when
    /// it must not be retried; `GitHubClient`'s retry loop asks this.
    func delay(after error: any Error, attempt: Int, now: Date) -> Duration? {
        switch error {
        case let error as HTTPTransportError where error.kind == .connectionFailed: backoff(attempt: attempt)
        case let refusal as Refusal: delay(for: refusal.response, error: refusal.error, attempt: attempt, now: now)
        default: nil
        }
    }

    /// The wait before retrying `response`, or nil when it must not be retried.
    public func delay(for response: HTTPResponse, error: GitHubError, attempt: Int, now: Date) -> Duration? {
        switch response.status {
        case 500, 502, 503, 504:
            return backoff(attempt: attempt)
        case 403, 429:
            guard waitsOnRateLimits, let wait = rateLimitWait(response, error: error, now: now) else { return nil }
            return wait <= maxRateLimitWait ? wait : nil
        default:
            return nil
        }
    }

    /// nil when a 403/429 is not a rate limit (e.g. a missing permission or User-Agent).
    func rateLimitWait(_ response: HTTPResponse, error: GitHubError, now: Date) -> Duration? {
        let headers = response.headers
        if let retryAfter = headers["Retry-After"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }), retryAfter >= 0 {
            return .seconds(retryAfter)
        }
        if headers["x-ratelimit-remaining"]?.trimmingCharacters(in: .whitespaces) == "0",
           let reset = headers["x-ratelimit-reset"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            let seconds = max(0, reset - now.timeIntervalSince1970)
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        if error.message.lowercased().contains("secondary rate limit") {
            return secondaryDefaultWait
        }
        if response.status == 429 { return backoff(attempt: 1) }
        return nil
    }
}
