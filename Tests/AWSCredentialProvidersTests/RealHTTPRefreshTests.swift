import AWSCredentialProviders
import Foundation
import Synchronization
import Testing

/// RefreshingCredentialProvider over real HTTP against the local endpoint's container credentials.
///
/// Fetches really go over HTTP; time is injected, so "due for refresh" is decided by the test, not by
/// how fast a loaded machine runs it. A counting wrapper counts this test's own fetches exactly (the
/// endpoint's counters are shared with parallel tests).
@Suite("RefreshingCredentialProvider over real HTTP")
struct RealHTTPRefreshTests {
    /// Counts the fetches that reach the wrapped (real HTTP) provider.
    final class Counting: CredentialProvider, Sendable {
        let base: any CredentialProvider
        private let calls = Mutex(0)
        init(_ base: any CredentialProvider) { self.base = base }
        var name: String { base.name }
        var count: Int { calls.withLock { $0 } }
        func credentials() async throws -> AWSCredentials {
            calls.withLock { $0 += 1 }
            return try await base.credentials()
        }
    }

    @Test func concurrentCallersShareOneRealFetchAndRefreshBeforeExpiry() async throws {
        try await LocalEndpoint.require()
        let container = Counting(ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": LocalEndpoint.baseURL + LocalEndpoint.uniqueContainerPath(),
        ]))
        let clock = Mutex(Date())
        let provider = RefreshingCredentialProvider(wrapping: container, refreshWindow: .seconds(300), now: { clock.withLock { $0 } })

        let first = try await burst(provider)
        #expect(Set(first).count == 1, "50 concurrent first callers got different credentials")
        #expect(container.count == 1, "50 concurrent callers made \(container.count) fetches")

        let cached = try await burst(provider)
        #expect(cached == first)
        #expect(container.count == 1, "credentials were re-fetched although not yet due")

        // The endpoint issues 6-hour credentials: move to 4 minutes before they expire (inside the 5-minute window).
        let expiry = try #require(first.first)
        clock.withLock { $0 = expiry.addingTimeInterval(-240) }
        let refreshed = try await burst(provider)
        #expect(Set(refreshed).count == 1)
        #expect(container.count == 2, "credentials due for refresh: \(container.count - 1) refresh fetches for 50 callers")
    }

    /// 50 concurrent calls; returns each caller's access key id and expiration.
    private func burst(_ provider: RefreshingCredentialProvider) async throws -> [Date] {
        try await withThrowingTaskGroup(of: Date.self) { group in
            for _ in 0..<50 {
                group.addTask { try await provider.credentials().expiration ?? .distantPast }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
