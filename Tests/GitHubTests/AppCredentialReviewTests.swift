import Foundation
import GitHub
import HTTPTransport
import Testing

/// The App credential's review findings (session 10): cancelled callers stop waiting, a token that
/// arrives nearly expired is still kept a minute, a stale installation is looked up again after a
/// 404, listing pages named `/repositories/{id}` use the listed repository's installation, and
/// nothing secret shows in descriptions or mirrors. GitHub is a scripted fake (pure unit tests).
@Suite struct AppCredentialReviewTests {
    /// Token requests and lookups wait for `gate` when `gated`; tokens are `ghs_<installation>_<n>` and
    /// expire `lifetime` after `clock`; the repository lookup answers `installation`; any other
    /// request is answered 404 unless it carries a token of installation `installation` (then 201).
    final class FakeApp: HTTPSender {
        let clock = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let counts = Locked((tokensStarted: 0, tokensDone: 0, lookupsStarted: 0, lookupsDone: 0))
        let requests = Locked<[(path: String, authorization: String)]>([])
        let installation: Int
        let lifetime: TimeInterval
        let gated: Bool
        let gate = Gate()

        init(installation: Int = 11, lifetime: TimeInterval = 3600, gated: Bool = false) {
            self.installation = installation
            self.lifetime = lifetime
            self.gated = gated
        }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let path = request.url.path
            if path.hasSuffix("/installation") {
                counts.withLock { $0.lookupsStarted += 1 }
                if gated { await gate.wait() }
                counts.withLock { $0.lookupsDone += 1 }
                return json(200, #"{"id": \#(installation)}"#)
            }
            if path.hasSuffix("/access_tokens") {
                let id = path.split(separator: "/").dropLast().last.map(String.init) ?? "?"
                let issued = counts.withLock { counts -> Int in
                    counts.tokensStarted += 1
                    return counts.tokensStarted
                }
                if gated { await gate.wait() }
                counts.withLock { $0.tokensDone += 1 }
                let expires = ISO8601DateFormatter().string(from: clock.withLock { $0 }.addingTimeInterval(lifetime))
                return json(201, #"{"token": "ghs_\#(id)_\#(issued)", "expires_at": "\#(expires)"}"#)
            }
            let authorization = request.headers["Authorization"] ?? ""
            requests.withLock { $0.append((path, authorization)) }
            return authorization.hasPrefix("Bearer ghs_\(installation)_") ? json(201, #"{"id": 1}"#) : json(404, #"{"message": "Not Found"}"#)
        }
    }

    /// Opened once; waiters before and after pass. A watchdog opens it after 90 s (a loaded CI machine once took over 10 s to return a cancelled call) so that a caller
    /// which (wrongly) keeps waiting on GitHub fails the test instead of hanging it.
    final class Gate: Sendable {
        private let state = Locked<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let pass = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if pass { continuation.resume() }
            }
        }

        func open() {
            let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            waiting.forEach { $0.resume() }
        }

        func watchdog() -> Task<Void, Never> {
            Task { [self] in
                try? await Task.sleep(for: .seconds(90))
                open()
            }
        }
    }

    func credential(_ fake: FakeApp) throws -> GitHubAppCredential {
        let api = GitHubAppAPI(jwt: GitHubAppJWT(appID: 7, key: try AppTestKeys.appKey()), transport: fake, now: { Date() })
        return GitHubAppCredential(api: api, now: { fake.clock.withLock { $0 } })
    }

    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        try #require(condition(), "timed out")
    }

    @Test func aCancelledCallerStopsWaitingForTheSharedRefreshAndOthersStillGetTheToken() async throws {
        let fake = FakeApp(gated: true)
        let watchdog = fake.gate.watchdog()
        defer { watchdog.cancel() }
        let credential = try credential(fake)
        await credential.remember(repository: "acme/webapp", installationID: 11)
        let cancelled = Task { try await credential.authorization(for: "acme/webapp") }
        try await waitUntil { fake.counts.withLock { $0.tokensStarted } == 1 }
        let other = Task { try await credential.authorization(for: "acme/webapp") }
        cancelled.cancel()
        let result = await cancelled.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(fake.counts.withLock { $0.tokensDone } == 0, "the cancelled caller returned before the refresh finished")
        fake.gate.open()
        #expect(try await other.value == "Bearer ghs_11_1", "the refresh went on for the other caller")
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_11_1", "and was cached")
        #expect(fake.counts.withLock { $0.tokensStarted } == 1)
    }

    @Test func aCancelledLookupWaiterThrowsAndBudgetKeyDoesNotWaitForTheLookup() async throws {
        let fake = FakeApp(gated: true)
        let watchdog = fake.gate.watchdog()
        defer { watchdog.cancel() }
        let credential = try credential(fake)
        let cancelled = Task { try await credential.installationID(for: "acme/webapp") }
        try await waitUntil { fake.counts.withLock { $0.lookupsStarted } == 1 }
        let key = Task { await credential.budgetKey(for: "acme/webapp") }
        key.cancel()
        cancelled.cancel()
        let lookupResult = await cancelled.result
        #expect(throws: CancellationError.self) { try lookupResult.get() }
        #expect(await key.value == "app:7")
        #expect(fake.counts.withLock { $0.lookupsDone } == 0, "both returned before the lookup finished")
        fake.gate.open()
        #expect(try await credential.installationID(for: "acme/webapp") == 11)
        #expect(fake.counts.withLock { $0.lookupsStarted } == 1, "one lookup, finished for the later caller")
    }

    @Test func aTokenIssuedInsideTheRefreshMarginIsKeptForAMinute() async throws {
        let fake = FakeApp(lifetime: 120)   // 2 minutes left: inside the 5-minute margin at once
        let credential = try credential(fake)
        await credential.remember(repository: "acme/webapp", installationID: 11)
        for _ in 0..<5 { #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_11_1") }
        fake.clock.withLock { $0 = $0.addingTimeInterval(59) }
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_11_1")
        fake.clock.withLock { $0 = $0.addingTimeInterval(2) }
        #expect(try await credential.authorization(for: "acme/webapp") == "Bearer ghs_11_2", "replaced after 60 s")
        #expect(fake.counts.withLock { $0.tokensStarted } == 2)
    }

    @Test func aStaleInstallationIsLookedUpAgainAfterA404() async throws {
        let fake = FakeApp(installation: 11)
        let credential = try credential(fake)
        await credential.remember(repository: "acme/webapp", installationID: 99)  // a replayed old delivery
        let client = GitHubClient(credential: credential, transport: fake, sleep: { _ in })
        try await client.createStatus(owner: "acme", repo: "webapp", sha: String(repeating: "a", count: 40),
                                      status: CommitStatus(state: .success, context: "prenv", description: nil))
        let sent = fake.requests.withLock { $0 }
        #expect(sent.map(\.authorization) == ["Bearer ghs_99_1", "Bearer ghs_11_2"], "\(sent)")
        #expect(fake.counts.withLock { $0.lookupsStarted } == 1)
        #expect(try await credential.installationID(for: "acme/webapp") == 11)

        // A 404 that a fresh lookup does not explain is thrown, after one lookup.
        let gone = FakeApp(installation: 11)
        let again = try self.credential(gone)
        await again.remember(repository: "acme/webapp", installationID: 12)
        let lost = GitHubClient(credential: again, transport: FakeAppAnswering404(gone), sleep: { _ in })
        await #expect(throws: GitHubError.self) {
            try await lost.createStatus(owner: "acme", repo: "webapp", sha: String(repeating: "a", count: 40),
                                        status: CommitStatus(state: .success, context: "prenv", description: nil))
        }
    }

    /// `FakeApp`, but every repository request is a 404 whatever the token.
    final class FakeAppAnswering404: HTTPSender {
        let app: FakeApp
        let repositoryRequests = Locked(0)
        init(_ app: FakeApp) { self.app = app }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            if request.url.path.hasPrefix("/repos/"), !request.url.path.hasSuffix("/installation") {
                repositoryRequests.withLock { $0 += 1 }
                return json(404, #"{"message": "Not Found"}"#)
            }
            return try await app.send(request)
        }
    }

    @Test func listingPagesUnderRepositoriesIDUseTheListedRepositorysCredential() async throws {
        let asked = Locked<[String?]>([])
        struct Recording: GitHubCredential {
            let asked: Locked<[String?]>
            func authorization(for repository: String?) async throws -> String {
                asked.withLock { $0.append(repository) }
                guard repository != nil else { throw GitHubAppError.noRepository(appID: 7) }
                return "Bearer ghs_x"
            }
            func rejected(_ authorization: String, repository: String?) async {}
            func budgetKey(for repository: String) async -> String { "installation:11" }
        }
        let pull = #"{"number": 1, "state": "open", "merged": false, "updated_at": "2026-01-01T00:00:00Z", "user": {"login": "a"}, "labels": [], "head": {"sha": "\#(String(repeating: "a", count: 40))", "ref": "f", "repo": {"full_name": "acme/webapp", "fork": false}}, "base": {"ref": "main", "repo": {"full_name": "acme/webapp"}}}"#
        let transport = RecordingTransport([
            json(200, "[\(pull)]", ["Link": #"<https://api.github.com/repositories/123/pulls?state=open&per_page=1&page=2>; rel="next""#, "ETag": "\"1\""]),
            json(200, "[]", ["ETag": "\"2\""]),
        ])
        let client = GitHubClient(credential: Recording(asked: asked), transport: transport, sleep: { _ in })
        let listing = try await client.openPullRequests(owner: "acme", repo: "webapp", cache: ConditionalPageCache(), perPage: 1)
        #expect(listing.fetchedPages == 2)
        #expect(transport.requests.last?.url.path == "/repositories/123/pulls")
        #expect(asked.withLock { $0 } == ["acme/webapp", "acme/webapp"])
    }

    @Test func nothingSecretInDescriptionsOrMirrors() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let token = try decoder.decode(GitHubAppAPI.InstallationToken.self, from: Data(#"{"token": "ghs_secretvalue", "expires_at": "2030-01-01T00:00:00Z"}"#.utf8))
        var dumped = ""
        dump(token, to: &dumped)
        for text in [dumped, String(describing: token), String(reflecting: token), "\(token)"] {
            #expect(!text.contains("ghs_secretvalue"), "\(text)")
        }
        let credential = try credential(FakeApp())
        var dumpedCredential = ""
        dump(credential, to: &dumpedCredential)
        for text in [dumpedCredential, String(reflecting: credential)] {
            #expect(!text.contains("PRIVATE") && !text.contains("key:") && text.contains("GitHubAppCredential"), "\(text)")
        }
    }
}
