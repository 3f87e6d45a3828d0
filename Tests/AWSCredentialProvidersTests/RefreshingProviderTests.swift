import LogCapture
import AWSCredentialProviders
import Foundation
import Testing

@Suite("RefreshingCredentialProvider")
struct RefreshingProviderTests {
    let clock = ManualClock()

    func refreshing(_ base: ScriptedProvider, logs: CapturedLogs = CapturedLogs()) -> RefreshingCredentialProvider {
        let clock = self.clock
        return RefreshingCredentialProvider(wrapping: base, now: { clock.now }, logger: logs.logger())
    }

    @Test func staticCredentialsAreFetchedOnce() async throws {
        let base = ScriptedProvider(answers: [.success(creds("STATIC"))])
        let provider = refreshing(base)
        for _ in 0..<5 { _ = try await provider.credentials() }
        clock.advance(86_400 * 365)
        #expect(try await provider.credentials().accessKeyID == "STATIC")
        #expect(await base.calls == 1)
    }

    @Test func refreshesWithinFiveMinutesOfExpiry() async throws {
        let expiry = clock.now.addingTimeInterval(3600)
        let base = ScriptedProvider(answers: [
            .success(creds("FIRST", expires: expiry)),
            .success(creds("SECOND", expires: expiry.addingTimeInterval(3600))),
        ])
        let provider = refreshing(base)
        #expect(try await provider.credentials().accessKeyID == "FIRST")
        clock.advance(3600 - 301)  // 5 min 1 s before expiry: still cached
        #expect(try await provider.credentials().accessKeyID == "FIRST")
        #expect(await base.calls == 1)
        clock.advance(2)  // 4 min 59 s before expiry: refresh
        #expect(try await provider.credentials().accessKeyID == "SECOND")
        #expect(try await provider.credentials().accessKeyID == "SECOND")
        #expect(await base.calls == 2)
    }

    @Test func fiftyConcurrentCallersShareOneFetch() async throws {
        let base = ScriptedProvider(answers: [.success(creds("SHARED", expires: clock.now.addingTimeInterval(3600)))],
                                    delay: .milliseconds(200))
        let provider = refreshing(base)
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials().accessKeyID } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ids.count == 50 && ids.allSatisfy { $0 == "SHARED" })
        #expect(await base.calls == 1)

        // And again for a refresh of expiring credentials.
        clock.advance(3500)
        _ = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await provider.credentials().accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(await base.calls == 2)
    }

    @Test func failedRefreshFallsBackToStillValidCredentials() async throws {
        let logs = CapturedLogs()
        let base = ScriptedProvider(answers: [
            .success(creds("OLD", expires: clock.now.addingTimeInterval(600))),
            .failure(CredentialError(.fetchFailed, provider: "scripted", "HTTP 500")),
            .failure(CredentialError(.fetchFailed, provider: "scripted", "HTTP 500")),
            .success(creds("NEW", expires: clock.now.addingTimeInterval(7200))),
        ])
        let provider = refreshing(base, logs: logs)
        #expect(try await provider.credentials().accessKeyID == "OLD")
        clock.advance(400)  // inside the 5-minute window, 200 s before expiry
        #expect(try await provider.credentials().accessKeyID == "OLD")
        #expect(await base.calls == 2)
        #expect(logs.joined.contains("warning credential refresh failed"))
        #expect(!logs.joined.contains("secret-OLD") && !logs.joined.contains("token-OLD"))

        // Within the back-off the failing source is not asked again.
        clock.advance(5)
        #expect(try await provider.credentials().accessKeyID == "OLD")
        #expect(await base.calls == 2)

        clock.advance(10)
        #expect(try await provider.credentials().accessKeyID == "OLD")
        #expect(await base.calls == 3)
        clock.advance(10)
        #expect(try await provider.credentials().accessKeyID == "NEW")
    }

    @Test func failedRefreshOfExpiredCredentialsThrows() async throws {
        let base = ScriptedProvider(answers: [
            .success(creds("OLD", expires: clock.now.addingTimeInterval(600))),
            .failure(CredentialError(.fetchFailed, provider: "scripted", "HTTP 500")),
        ])
        let provider = refreshing(base)
        _ = try await provider.credentials()
        clock.advance(601)
        let error = await #expect(throws: CredentialError.self) { try await provider.credentials() }
        #expect(error?.message == "HTTP 500")
    }

    @Test func invalidateForcesAFetch() async throws {
        let base = ScriptedProvider(answers: [.success(creds("A")), .success(creds("B"))])
        let provider = refreshing(base)
        #expect(try await provider.credentials().accessKeyID == "A")
        await provider.invalidate()
        #expect(try await provider.credentials().accessKeyID == "B")
        #expect(provider.name == "scripted")
    }
}
