import Foundation

/// A GitHub App as a `GitHubCredential`: one installation token per installation, fetched with the
/// App's JWT, cached until `refreshMargin` before GitHub's `expires_at`, and refreshed by one
/// request however many callers need it at once. Which installation covers a repository comes from
/// webhooks (`remember`) or, failing that, `GET /repos/{o}/{r}/installation`, and is cached.
/// An actor because every request of every worker reads and refreshes the same cache.
public actor GitHubAppCredential: GitHubCredential, CustomStringConvertible {
    public nonisolated let api: GitHubAppAPI
    /// How long before `expires_at` a token is replaced: long enough that a request started with it
    /// (and its retries) finishes before it expires.
    public nonisolated let refreshMargin: TimeInterval
    private nonisolated let now: @Sendable () -> Date

    private var installations: [String: Int] = [:]            // lowercased owner/name → installation id
    private var tokens: [Int: GitHubAppAPI.InstallationToken] = [:]
    private var refreshes: [Int: Task<GitHubAppAPI.InstallationToken, any Error>] = [:]
    private var lookups: [String: Task<Int, any Error>] = [:]

    /// - Parameter now: the cache's clock (tests move it; the JWT keeps the API's own clock).
    public init(api: GitHubAppAPI, refreshMargin: TimeInterval = 5 * 60, now: @escaping @Sendable () -> Date = { Date() }) {
        self.api = api
        self.refreshMargin = refreshMargin
        self.now = now
    }

    public nonisolated var appID: Int { api.appID }
    public nonisolated var description: String { "GitHubAppCredential(app \(api.appID), key <redacted>)" }

    /// A webhook delivery said `installation.id` covers `repository`: no lookup needed for it.
    public func remember(repository: String, installationID: Int) {
        installations[repository.lowercased()] = installationID
    }

    public func authorization(for repository: String?) async throws -> String {
        guard let repository else { throw GitHubAppError.noRepository(appID: api.appID) }
        let installation = try await installationID(for: repository)
        return "Bearer \(try await token(installation: installation).token)"
    }

    public func rejected(_ authorization: String, repository: String?) async {
        guard let repository, let installation = installations[repository.lowercased()],
              let cached = tokens[installation], "Bearer \(cached.token)" == authorization else { return }
        tokens[installation] = nil
    }

    public func budgetKey(for repository: String) async -> String {
        if let id = try? await installationID(for: repository) { return "installation:\(id)" }
        return "app:\(api.appID)"
    }

    /// The installation covering `repository`, remembered or looked up (one lookup in flight per repository).
    public func installationID(for repository: String) async throws -> Int {
        let key = repository.lowercased()
        if let known = installations[key] { return known }
        if let running = lookups[key] { return try await running.value }
        let api = self.api
        let lookup = Task { try await api.installationID(for: repository) }
        lookups[key] = lookup
        defer { lookups[key] = nil }
        let id = try await lookup.value
        installations[key] = id
        return id
    }

    /// A token for `installation` valid for at least `refreshMargin` more, fetched when needed by
    /// exactly one request however many callers wait for it.
    func token(installation: Int) async throws -> GitHubAppAPI.InstallationToken {
        if let cached = tokens[installation], cached.expiresAt.timeIntervalSince(now()) > refreshMargin { return cached }
        if let running = refreshes[installation] { return try await running.value }
        let api = self.api
        let refresh = Task { try await api.createInstallationToken(installationID: installation) }
        refreshes[installation] = refresh
        defer { refreshes[installation] = nil }
        do {
            let fresh = try await refresh.value
            tokens[installation] = fresh
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
