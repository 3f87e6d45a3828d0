import Foundation
import HTTPTransport
import UntrustedText

/// The calls a GitHub App makes as itself, authenticated with its JWT: who it is, where it is
/// installed, and installation tokens. Errors say which App and what to check, never the JWT.
public struct GitHubAppAPI: Sendable {
    public let baseURL: URL
    public let jwt: GitHubAppJWT
    let transport: any HTTPSender
    let userAgent: String
    let now: @Sendable () -> Date
    /// 5xx and dropped connections are retried with its backoff: a token exchange that fails on a
    /// GitHub hiccup would fail every write waiting for the token.
    let retryPolicy: GitHubRetryPolicy
    let sleep: @Sendable (Duration) async throws -> Void

    public init(baseURL: URL = GitHubClient.defaultBaseURL, jwt: GitHubAppJWT, transport: any HTTPSender, userAgent: String = "prenv",
                retryPolicy: GitHubRetryPolicy = GitHubRetryPolicy(),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.baseURL = baseURL
        self.jwt = jwt
        self.transport = transport
        self.userAgent = userAgent
        self.retryPolicy = retryPolicy
        self.sleep = sleep
        self.now = now
    }

    public var appID: Int { jwt.appID }

    /// `GET /app`: the App the JWT speaks for.
    public struct App: Sendable, Equatable, Decodable {
        public var id: Int
        public var slug: String?
        public var name: String?
    }

    /// One installation (`GET /app/installations`).
    public struct Installation: Sendable, Equatable, Decodable {
        public struct Account: Sendable, Equatable, Decodable { public var login: String }
        public var id: Int
        public var account: Account?
    }

    /// A token for one installation; GitHub's tokens last an hour.
    /// `token` is internal: only `GitHubAppCredential` puts it in an `Authorization` header.
    public struct InstallationToken: Sendable, Decodable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
        var token: String
        public var expiresAt: Date
        enum CodingKeys: String, CodingKey {
            case token
            case expiresAt = "expires_at"
        }
        public var description: String { "InstallationToken(<redacted>, expires \(expiresAt))" }
        public var debugDescription: String { description }
        /// `dump` and debuggers read the mirror: only the expiry shows.
        public var customMirror: Mirror { Mirror(self, children: ["expiresAt": expiresAt]) }
    }

    public func app() async throws -> App {
        try decode(App.self, try await send("GET", ["app"]), what: "App")
    }

    /// `GET /app/installations`, first page of 100 (enough for the doctor's count).
    public func installations() async throws -> [Installation] {
        try decode([Installation].self, try await send("GET", ["app", "installations"], query: "per_page=100"), what: "installations")
    }

    /// `GET /repos/{owner}/{repo}/installation`: which installation covers `repository`. A 404 is
    /// `GitHubAppError.notInstalled`.
    public func installationID(for repository: String) async throws -> Int {
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw GitHubAppError.badRepository(repository) }
        do {
            return try decode(Installation.self, try await send("GET", ["repos", parts[0], parts[1], "installation"]), what: "installation").id
        } catch let error as GitHubError where error.status == 404 {
            throw GitHubAppError.notInstalled(appID: appID, repository: repository)
        }
    }

    /// `POST /app/installations/{id}/access_tokens` (201). A 404: the installation is gone.
    public func createInstallationToken(installationID: Int) async throws -> InstallationToken {
        do {
            let response = try await send("POST", ["app", "installations", String(installationID), "access_tokens"])
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            do {
                return try decoder.decode(InstallationToken.self, from: response.body)
            } catch {
                throw GitHubError(status: response.status, message: "unexpected installation token body (no token or expires_at)")
            }
        } catch let error as GitHubError where error.status == 404 {
            throw GitHubAppError.installationGone(appID: appID, installationID: installationID)
        }
    }

    /// A request with a fresh JWT per attempt; 5xx and dropped connections retried. A 401 is
    /// `GitHubAppError.jwtRejected` (not retried: a wrong key stays wrong).
    func send(_ method: String, _ path: [String], query: String? = nil) async throws -> HTTPResponse {
        try await RetryLoop(maxAttempts: retryPolicy.maxAttempts, sleep: sleep).run { _ in
            try await sendOnce(method, path, query: query)
        } delay: { error, attempt in
            switch error {
            case let error as HTTPTransportError where error.kind == .connectionFailed: retryPolicy.backoff(attempt: attempt)
            case let error as GitHubError where [500, 502, 503, 504].contains(error.status): retryPolicy.backoff(attempt: attempt)
            default: nil
            }
        }
    }

    func sendOnce(_ method: String, _ path: [String], query: String? = nil) async throws -> HTTPResponse {
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let text = base + "/" + path.map { PercentEncoding.encode($0) }.joined(separator: "/") + (query.map { "?" + $0 } ?? "")
        guard let url = URL(string: text) else { throw GitHubError(status: 0, message: "cannot build a URL from base \(baseURL.absoluteString)") }
        var headers = HTTPHeaders()
        headers["Authorization"] = "Bearer \(try jwt.token(now: now()))"
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = GitHubClient.apiVersion
        headers["User-Agent"] = userAgent
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: headers))
        } catch where HTTPTransportError.isCancellation(error) {
            throw CancellationError()
        }
        guard (200..<300).contains(response.status) else {
            let error = GitHubError(status: response.status, body: response.body)
            if response.status == 401 { throw GitHubAppError.jwtRejected(appID: appID, message: error.message) }
            throw error
        }
        return response
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw GitHubError(status: response.status, message: "unexpected \(what) body")
        }
    }
}
