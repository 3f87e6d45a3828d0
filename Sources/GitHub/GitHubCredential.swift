import Foundation

/// Where a request's `Authorization` header comes from. A personal access token is one fixed value;
/// a GitHub App holds one short-lived token per installation, so the answer depends on which
/// repository a request touches, and a token GitHub stops accepting must be forgotten and replaced.
/// `GitHubClient` asks this for every request instead of holding a token itself.
public protocol GitHubCredential: Sendable {
    /// The `Authorization` header value for a request about `repository` (`owner/name`, nil for a
    /// request that names none). May call GitHub (an App exchanging its JWT for a token).
    func authorization(for repository: String?) async throws -> String

    /// GitHub answered 401 to `authorization`: forget it if it was a cached token, so the next
    /// `authorization(for:)` fetches a fresh one. A fixed token has nothing to forget.
    func rejected(_ authorization: String, repository: String?) async

    /// Which rate-limit budget writes to `repository` spend: `"token"` for a personal token,
    /// `"installation:<id>"` for an App installation. GitHub limits each token separately, so a
    /// write scheduler keeps one budget per key.
    func budgetKey(for repository: String) async -> String

    /// GitHub answered 404, or a 403 that is no rate limit, to `authorization` for `repository`:
    /// true when the credential replaced something stale (an App's remembered installation) and the
    /// request is worth sending once more with a fresh `authorization(for:)`.
    /// Throws only `CancellationError`.
    func notFound(_ authorization: String, repository: String) async throws -> Bool
}

extension GitHubCredential {
    /// A fixed token has nothing stale to replace.
    public func notFound(_ authorization: String, repository: String) async throws -> Bool { false }
}

/// A personal access token (or any fixed token, e.g. a workflow's `GITHUB_TOKEN`): the same header
/// for every repository and one budget for all of them. Its description never shows the token.
public struct PersonalAccessToken: GitHubCredential, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let token: String

    public init(_ token: String) { self.token = token }

    public func authorization(for repository: String?) async throws -> String { "Bearer \(token)" }

    public func rejected(_ authorization: String, repository: String?) async {}

    public func budgetKey(for repository: String) async -> String { "token" }

    public var description: String { "PersonalAccessToken(<redacted>)" }
    public var debugDescription: String { description }
    /// `dump` and debuggers read the mirror, not `description`: show no stored property.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
