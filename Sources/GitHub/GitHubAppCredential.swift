import Foundation
import Logging

/// A GitHub App as a `GitHubCredential`: one installation token per installation, fetched with the
/// App's JWT, cached until `refreshMargin` before GitHub's `expires_at`, and refreshed by one
/// request however many callers need it at once. Which installation covers a repository comes from
/// webhooks (`remember`) or, failing that, `GET /repos/{o}/{r}/installation`, and is cached.
/// An actor because every request of every worker reads and refreshes the same cache.
public actor GitHubAppCredential: GitHubCredential, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public nonisolated let api: GitHubAppAPI
    /// How long before `expires_at` a token is replaced: long enough that a request started with it
    /// (and its retries) finishes before it expires.
    public nonisolated let refreshMargin: TimeInterval
    private nonisolated let now: @Sendable () -> Date
    private nonisolated let logger: Logger
    /// The shortest time a fresh token is kept, even when `expires_at` is already within
    /// `refreshMargin` (this machine's clock ahead of GitHub's): without it every request would
    /// exchange the JWT for a new token.
    public static let minimumTokenUse: TimeInterval = 60

    private var installations: [String: Int] = [:]            // lowercased owner/name → installation id
    private var tokens: [Int: (token: GitHubAppAPI.InstallationToken, fetchedAt: Date)] = [:]
    private var refreshes: [Int: Task<GitHubAppAPI.InstallationToken, any Error>] = [:]
    private var lookups: [String: Task<Int, any Error>] = [:]

    /// - Parameter now: the cache's clock (tests move it; the JWT keeps the API's own clock).
    public init(api: GitHubAppAPI, refreshMargin: TimeInterval = 5 * 60, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "prenv.github.app")) {
        self.api = api
        self.refreshMargin = refreshMargin
        self.now = now
        self.logger = logger
    }

    public nonisolated var appID: Int { api.appID }
    public nonisolated var description: String { "GitHubAppCredential(app \(api.appID), key <redacted>)" }
    public nonisolated var debugDescription: String { description }
    /// `dump` and debuggers read the mirror: show no stored property (the API holds the key).
    public nonisolated var customMirror: Mirror { Mirror(self, children: [:]) }

    /// A webhook delivery said `installation.id` covers `repository`: no lookup needed for it.
    public func remember(repository: String, installationID: Int) {
        installations[repository.lowercased()] = installationID
    }

    /// GitHub answered 404 (or a 403 that is no rate limit) to `authorization` for `repository`: the
    /// remembered installation may be stale (the App reinstalled, a replayed old delivery). Forget
    /// the mapping and look it up again; true when that gives another token to try once more.
    public func notFound(_ authorization: String, repository: String) async throws -> Bool {
        let key = repository.lowercased()
        guard let installation = installations[key], let cached = tokens[installation],
              "Bearer \(cached.token.token)" == authorization else { return false }
        installations[key] = nil
        do {
            return try await installationID(for: repository) != installation
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return false   // not installed any more: the caller's 404 stands, and the next request says so
        }
    }

    public func authorization(for repository: String?) async throws -> String {
        guard let repository else { throw GitHubAppError.noRepository(appID: api.appID) }
        let installation = try await installationID(for: repository)
        return "Bearer \(try await token(installation: installation).token)"
    }

    public func rejected(_ authorization: String, repository: String?) async {
        guard let repository, let installation = installations[repository.lowercased()],
              let cached = tokens[installation], "Bearer \(cached.token.token)" == authorization else { return }
        tokens[installation] = nil
    }

    public func budgetKey(for repository: String) async -> String {
        do {
            return "installation:\(try await installationID(for: repository))"
        } catch {
            // A cancelled caller's key is never used; any other failure spends the App's own budget.
            return "app:\(api.appID)"
        }
    }

    /// The installation covering `repository`, remembered or looked up (one lookup in flight per
    /// repository; a cancelled caller stops waiting, the lookup goes on for the others).
    public func installationID(for repository: String) async throws -> Int {
        let key = repository.lowercased()
        if let known = installations[key] { return known }
        let lookup = lookups[key] ?? startLookup(repository, key: key)
        return try await SharedTaskWait.value(of: lookup)
    }

    private func startLookup(_ repository: String, key: String) -> Task<Int, any Error> {
        let api = self.api
        let lookup = Task {
            defer { lookups[key] = nil }
            let id = try await api.installationID(for: repository)
            installations[key] = id
            return id
        }
        lookups[key] = lookup
        return lookup
    }

    /// A token for `installation` valid for at least `refreshMargin` more, fetched when needed by
    /// exactly one request however many callers wait for it (a cancelled caller stops waiting; the
    /// refresh completes and is cached for the others).
    func token(installation: Int) async throws -> GitHubAppAPI.InstallationToken {
        if let cached = tokens[installation], usable(cached) { return cached.token }
        let refresh = refreshes[installation] ?? startRefresh(installation)
        return try await SharedTaskWait.value(of: refresh)
    }

    /// More than `refreshMargin` left, or fetched less than `minimumTokenUse` ago.
    private func usable(_ cached: (token: GitHubAppAPI.InstallationToken, fetchedAt: Date)) -> Bool {
        let now = now()
        return cached.token.expiresAt.timeIntervalSince(now) > refreshMargin || now.timeIntervalSince(cached.fetchedAt) < Self.minimumTokenUse
    }

    private func startRefresh(_ installation: Int) -> Task<GitHubAppAPI.InstallationToken, any Error> {
        let refresh = Task { try await performRefresh(installation) }
        refreshes[installation] = refresh
        return refresh
    }

    private func performRefresh(_ installation: Int) async throws -> GitHubAppAPI.InstallationToken {
        defer { refreshes[installation] = nil }
        do {
            let fresh = try await api.createInstallationToken(installationID: installation)
            let fetchedAt = now()
            if fresh.expiresAt.timeIntervalSince(fetchedAt) <= refreshMargin {
                logger.warning("""
                    GitHub issued an installation token that already expires within the refresh margin: this machine's clock may be \
                    ahead of GitHub's (check NTP); the token is kept for \(Int(Self.minimumTokenUse)) s at least
                    """,
                               metadata: ["installation": "\(installation)", "local_clock": "\(fetchedAt)", "expires_at": "\(fresh.expiresAt)",
                                          "refresh_margin_s": "\(Int(refreshMargin))"])
            }
            tokens[installation] = (fresh, fetchedAt)
            return fresh
        } catch let error as GitHubAppError {
            if case .installationGone = error {
                // Uninstalled: forget which repositories it covered, so a reinstall is looked up again.
                tokens[installation] = nil
                installations = installations.filter { $0.value != installation }
            }
            throw error
        }
    }

    /// How many tokens are cached (for tests and the doctor).
    public var cachedTokenCount: Int { tokens.count }
}
