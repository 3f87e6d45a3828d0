import Foundation
import GitHub
import HTTPTransport
import Testing

/// The installation-token cache with its clock injected (a pure unit test: GitHub is a scripted
/// fake here so an hour can pass in an instant; the stand-in tests cover the real exchange).
@Suite struct InstallationTokenCacheTests {
    /// Answers `access_tokens` with a new token that expires an hour after `clock`, and the
    /// repository lookup with installation 11; counts each.
    final class FakeApp: HTTPSender {
        let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let counts = Locked((tokens: 0, lookups: 0))

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            if request.url.path.hasSuffix("/installation") {
                counts.withLock { $0.lookups += 1 }
                return json(200, #"{"id": 11}"#)
            }
            let issued = counts.withLock { counts -> Int in
                counts.tokens += 1
                return counts.tokens
            }
            let expires = ISO8601DateFormatter().string(from: clock.withLock { $0 }.addingTimeInterval(3600))
            return json(201, #"{"token": "ghs_token\#(issued)", "expires_at": "\#(expires)"}"#)
        }
    }

    func credential(_ fake: FakeApp) throws -> GitHubAppCredential {
        let api = GitHubAppAPI(jwt: GitHubAppJWT(appID: 7, key: try AppTestKeys.appKey()), transport: fake, now: { Date() })
        return GitHubAppCredential(api: api, now: { fake.clock.withLock { $0 } })
    }

    @Test func aTokenIsReusedUntilFiveMinutesBeforeItExpires() async throws {
        let fake = FakeApp()
        let credential = try credential(fake)
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_token1")
        fake.clock.withLock { $0 = $0.addingTimeInterval(54 * 60) }
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_token1")
        #expect(try await credential.authorization(for: "ACME/WebApp") == "Bearer ghs_token1", "repository names are case-insensitive")
        fake.clock.withLock { $0 = $0.addingTimeInterval(60 + 1) }  // 55 min 1 s: less than 5 minutes left
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_token2")
        #expect(fake.counts.withLock { $0 } == (tokens: 2, lookups: 1))
    }

    @Test func aRememberedInstallationNeedsNoLookup() async throws {
        let fake = FakeApp()
        let credential = try credential(fake)
        await credential.remember(repository: "acme/webapp", installationID: 11)
        _ = try await credential.authorization(for: "acme/webapp")
        #expect(await credential.budgetKey(for: "acme/webapp") == "installation:11")
        #expect(fake.counts.withLock { $0.lookups } == 0)
    }

    @Test func aRejectedTokenIsForgottenButAStaleRejectionIsNot() async throws {
        let fake = FakeApp()
        let credential = try credential(fake)
        let first = try await credential.authorization(for: "acme/webapp")
        await credential.rejected(first, repository: "acme/webapp")
        let second = try await credential.authorization(for: "acme/webapp")
        #expect(second == "Bearer ghs_token2")
        // A second caller's 401 to the old token must not throw away the fresh one.
        await credential.rejected(first, repository: "acme/webapp")
        #expect(try await credential.authorization(for: "acme/webapp") == second)
        #expect(fake.counts.withLock { $0.tokens } == 2)
    }

    @Test func aPersonalTokenIsOneBudget() async throws {
        let token = PersonalAccessToken("ghp_x")
        #expect(await token.budgetKey(for: "acme/webapp") == "token")
        #expect(try await token.authorization(for: nil) == "Bearer ghp_x")
    }

    /// A 502 on the token exchange is retried after GitHub's backoff; a 401 (wrong key) is not.
    @Test func aServerErrorOnTheExchangeIsRetriedAndARejectionIsNot() async throws {
        let sleeper = SleepRecorder()
        let transport = RecordingTransport([json(502, #"{"message": "Server Error"}"#),
                                            json(201, #"{"token": "ghs_after_retry", "expires_at": "2099-01-01T00:00:00Z"}"#),
                                            json(401, #"{"message": "A JSON web token could not be decoded"}"#)])
        let api = GitHubAppAPI(jwt: GitHubAppJWT(appID: 7, key: try AppTestKeys.appKey()), transport: transport, sleep: sleeper.sleep)
        let credential = GitHubAppCredential(api: api)
        await credential.remember(repository: "acme/webapp", installationID: 11)
        await credential.remember(repository: "acme/other", installationID: 12)
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_after_retry")
        #expect(sleeper.recorded == [.seconds(1)])
        await #expect(throws: GitHubAppError.jwtRejected(appID: 7, message: "A JSON web token could not be decoded")) {
            try await credential.authorization(for: "acme/other")
        }
        #expect(transport.requests.count == 3)
        #expect(sleeper.recorded == [.seconds(1)])
    }
}
