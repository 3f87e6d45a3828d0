import Foundation
import Logging

/// Caches another provider's credentials and refreshes them shortly before they expire.
///
/// - Credentials without an expiration (static keys) are fetched once.
/// - A refresh starts when expiration is within `refreshWindow` of `now()`, so requests never sign with credentials
///   that expire mid-flight.
/// - Concurrent callers during a refresh await one shared fetch: fifty parallel API calls must not hit the
///   metadata endpoint fifty times.
/// - If the refresh fails while the cached credentials are still valid, those are returned and a warning is logged;
///   an outage of the credential source should not fail work that could still be signed. Retries then wait
///   `retryBackoff` seconds so each request does not pay the failing source's timeout.
public actor RefreshingCredentialProvider: CredentialProvider {
    public nonisolated let name: String
    private let base: any CredentialProvider
    private let refreshWindow: TimeInterval
    private let now: @Sendable () -> Date
    private let logger: Logger
    private var cached: AWSCredentials?
    private var inFlight: Task<AWSCredentials, any Error>?
    /// After a failed refresh, cached credentials are served without retrying until this time, so an outage of
    /// the source does not add a timeout to every signed request.
    private var retryNotBefore: Date?
    static let retryBackoff: TimeInterval = 10

    /// - Parameter now: the clock, injected so tests can move time without sleeping.
    public init(wrapping base: any CredentialProvider, refreshWindow: Duration = .seconds(300),
                now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "prenv.credentials")) {
        self.base = base
        self.name = base.name
        let parts = refreshWindow.components
        self.refreshWindow = TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
        self.now = now
        self.logger = logger
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, !needsRefresh(cached) || isBackingOff(cached) { return cached }
        if let inFlight { return try await inFlight.value }
        // The task inherits this actor, so `refresh()` updates state exactly once however many callers wait on it.
        let task = Task { try await self.refresh() }
        inFlight = task
        return try await task.value
    }

    /// Drops the cache, e.g. after AWS answered `ExpiredToken`; the next call fetches anew.
    public func invalidate() {
        cached = nil
        retryNotBefore = nil
    }

    private func refresh() async throws -> AWSCredentials {
        defer { inFlight = nil }
        do {
            let fresh = try await base.credentials()
            cached = fresh
            retryNotBefore = nil
            return fresh
        } catch {
            if let cached, let expiration = cached.expiration, expiration > now() {
                retryNotBefore = now().addingTimeInterval(Self.retryBackoff)
                logger.warning("credential refresh failed; using cached credentials until they expire", metadata: [
                    "provider": "\(name)",
                    "expiresInSeconds": "\(Int(expiration.timeIntervalSince(now())))",
                    "error": "\(Self.safeDescription(error))",
                ])
                return cached
            }
            throw error
        }
    }

    private func isBackingOff(_ credentials: AWSCredentials) -> Bool {
        guard let retryNotBefore, let expiration = credentials.expiration else { return false }
        let current = now()
        return current < retryNotBefore && current < expiration
    }

    private func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(now()) <= refreshWindow
    }

    /// Our own errors are written without secrets; foreign ones are described by type only.
    static func safeDescription(_ error: any Error) -> String {
        (error as? CredentialError)?.description ?? String(describing: type(of: error))
    }
}
