import AWSCredentials
import Foundation
import Testing

/// RefreshingCredentialProvider over real HTTP against the local endpoint's container credentials.
///
/// The endpoint's configuration is shared with parallel tests, so nothing is reconfigured here: the endpoint issues
/// 6-hour credentials, and a refresh window of 6 h minus 5 s makes them due for refresh after about 5 seconds
/// of real time. Assertions rely on the credentials' own expirations; the shared fetch counter only bounds the
/// number of fetches (50 callers without de-duplication would make 50).
@Suite("RefreshingCredentialProvider over real HTTP")
struct RealHTTPRefreshTests {
    @Test func concurrentCallersShareOneRealFetch() async throws {
        try await LocalEndpoint.require()
        let container = ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": LocalEndpoint.baseURL + LocalEndpoint.uniqueContainerPath(),
        ])
        let provider = RefreshingCredentialProvider(wrapping: container, refreshWindow: .seconds(6 * 3600 - 5))

        let before = try await LocalEndpoint.fetchCounts()["container"] ?? 0
        let first = try await burst(provider)
        #expect(Set(first).count == 1, "50 concurrent first callers got different credentials")
        let afterFirst = try await LocalEndpoint.fetchCounts()["container"] ?? 0
        #expect((1..<5).contains(afterFirst - before), "fetches for 50 concurrent callers: \(afterFirst - before)")

        let cached = try await burst(provider)
        #expect(cached == first, "credentials were re-fetched although not yet due")

        try await Task.sleep(for: .seconds(6))
        let refreshed = try await burst(provider)
        #expect(Set(refreshed).count == 1)
        let oldExpiry = try #require(first.first), newExpiry = try #require(refreshed.first)
        #expect(newExpiry > oldExpiry, "credentials due for refresh were not refreshed")
        let afterRefresh = try await LocalEndpoint.fetchCounts()["container"] ?? 0
        #expect((1..<5).contains(afterRefresh - afterFirst), "fetches for the refresh: \(afterRefresh - afterFirst)")
    }

    /// 50 concurrent calls; returns each caller's credential expiration.
    private func burst(_ provider: RefreshingCredentialProvider) async throws -> [Date] {
        try await withThrowingTaskGroup(of: Date.self) { group in
            for _ in 0..<50 {
                group.addTask { try await provider.credentials().expiration ?? .distantPast }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
