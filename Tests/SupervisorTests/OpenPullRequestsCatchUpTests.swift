import Blueprint
import Foundation
import GitHub
import HTTPTransport
import LogCapture
import Orchestrator
import Providers
import Supervisor
import TestServices
import Testing
import WebhookSupport

/// `catchUpOnOpenPullRequests` against the GitHub stand-in: a PR that opened while prenv was not
/// listening is fed through the inbox as an `opened` delivery and provisioned, once; a PR that
/// opened and closed meanwhile gets nothing; a PR prenv knows is not fed again.
@Suite struct OpenPullRequestsCatchUpTests {
    typealias F = SupervisorFixtures

    /// The fixture blueprint naming acme/webapp literally (a glob cannot be listed).
    static func literal() throws -> Blueprint {
        let yaml = F.blueprintYAML.replacingOccurrences(of: #"repositories: ["acme/*"]"#, with: #"repositories: ["acme/webapp"]"#)
        return try BlueprintLoader.parse(yaml: yaml, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
    }

    struct Setup {
        let standin: StandinProcess
        let harness: SupervisorHarness
        let logs: CapturedLogs
    }

    func setUp(blueprints: [Blueprint]? = nil) async throws -> Setup {
        let standin = try await StandinProcess()
        // Retries wait for nothing: the backoff itself is the client's, tested with it.
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        let logs = CapturedLogs()
        let harness = try SupervisorHarness(blueprints: blueprints ?? [Self.literal()],
                                            pullRequests: GitHubPullRequestLookup(client: github), logger: logs.logger())
        return Setup(standin: standin, harness: harness, logs: logs)
    }

    /// PR #7 of acme/webapp as GitHub reports it now.
    func setPull(_ standin: StandinProcess, state: String = "open", sha: String = F.shaA, at seconds: Int = 0) async throws {
        _ = try await standin.admin("pulls", [
            "repository": "acme/webapp", "number": 7, "state": state, "head_sha": sha, "head_ref": "feature/login",
            "updated_at": WebhookFixtures.timestamp(seconds),
        ])
    }

    func caughtUpLines(_ logs: CapturedLogs) -> [String] {
        logs.all.filter { $0.contains("caught up with a pull request opened while prenv was not listening") }
    }

    @Test func aPullRequestOpenedWhileDownIsProvisionedOnceOverTwoChecks() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await setPull(s.standin)

        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.calls(1))
        #expect(await h.operations.call(0)?.operation == .apply(sha: F.shaA))
        #expect(await h.operations.call(0)?.key == F.key)
        await h.operations.complete(0, .success)
        try #require(await h.quiet())
        #expect(await h.phase() == .ready(sha: F.shaA))

        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.quiet())
        #expect(await h.operations.count == 1, "the second check feeds nothing")
        #expect(caughtUpLines(s.logs).count == 1, "\(s.logs.joined)")
        let listings = try await s.standin.listings()
        #expect(listings.ok == 1 && listings.notModified == 1, "the second listing cost a 304")

        // The real `opened` webhook, delivered late with the same content, is a duplicate.
        let late = try F.event("opened", sha: F.shaA, at: 0).json()
        let contentKey = try PullRequestEvent.decode(from: late).contentKey(event: "pull_request")
        let result = await h.inbox.append(deliveryID: UUID().uuidString, contentKey: contentKey, event: "pull_request",
                                          key: F.prKey, payload: late, receivedAt: Date())
        guard case .duplicate = result else {
            Issue.record("a late opened webhook with the listing's content was recorded again: \(result)")
            return
        }

        let statuses = await h.flushedStatuses().filter { $0.status.context == F.context }
        #expect(statuses.map(\.sha) == [F.shaA, F.shaA] && statuses.last?.status.state == .success, "\(statuses)")
    }

    @Test func aListingGitHubCannotAnswerChangesNothingAndTheNextPassCatchesUp() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await setPull(s.standin)
        _ = try await s.standin.admin("faults", ["route": "pulls", "status": 502, "count": 4])  // every attempt of one listing

        await h.supervisor.catchUpOnOpenPullRequests()
        #expect(try await s.standin.listings().requests.map(\.status) == [502, 502, 502, 502], "the fault fired on every attempt")
        #expect(s.logs.all.contains { $0.contains("could not list open pull requests") && $0.contains("\"repository\": acme/webapp") }, "\(s.logs.joined)")
        #expect(await h.operations.count == 0)
        #expect(await h.inbox.pendingKeys().isEmpty)

        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.calls(1))
        #expect(await h.operations.call(0)?.operation == .apply(sha: F.shaA))
    }

    @Test func aPullRequestOpenedAndClosedWhileDownGetsNothing() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await setPull(s.standin, state: "closed", at: 60)

        await h.supervisor.catchUpOnOpenPullRequests()
        #expect(try await s.standin.listings().ok == 1, "the listing was asked")
        try #require(await h.quiet())
        #expect(await h.operations.count == 0)
        #expect(try await h.supervisor.workerRecords().isEmpty)
        #expect(await h.inbox.pendingKeys().isEmpty)
        #expect(caughtUpLines(s.logs).isEmpty)
        #expect(await h.flushedStatuses().isEmpty)
    }

    @Test func aKnownPullRequestIsNotFedAgain() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await h.openReady()
        // GitHub now reports a newer head: the listing must not feed it (the per-PR check's job).
        try await setPull(s.standin, sha: F.shaB, at: 30)

        await h.supervisor.catchUpOnOpenPullRequests()
        #expect(try await s.standin.listings().ok == 1, "the listing was asked")
        try #require(await h.quiet())
        #expect(await h.operations.operations == [.apply(sha: F.shaA)])
        #expect(caughtUpLines(s.logs).isEmpty)
    }

    /// The listing answers the per-PR check: a known open PR costs no request of its own; one that
    /// left the listing (closed) costs exactly one lookup, whose answer tears its environment down.
    @Test func thePassAnswersKnownPullRequestsFromTheListingAndLooksUpOnlyThoseThatLeftIt() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await h.openReady()
        try await setPull(s.standin, sha: F.shaB, at: 30)  // a push whose webhook was lost

        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.calls(2))
        #expect(await h.operations.call(1)?.operation == .apply(sha: F.shaB), "the listing's newer head was applied")
        #expect(try await s.standin.lookups() == 0, "no per-PR request for a PR the listing shows")
        await h.operations.complete(1, .success)
        try #require(await h.quiet())

        try await setPull(s.standin, state: "closed", sha: F.shaB, at: 60)  // a close whose webhook was lost
        await h.supervisor.checkPullRequestsOnce()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .destroy)
        #expect(try await s.standin.lookups() == 1, "one lookup for the PR that left the listing")
        #expect(try await s.standin.listings().ok == 2, "each pass listed the repository once")
    }

    @Test func aPullRequestReopenedWhileDownIsProvisionedAgain() async throws {
        let s = try await setUp()
        defer { s.standin.stop() }
        let h = s.harness
        try await h.openReady()
        try await h.deliver(F.event("closed", sha: F.shaA, at: 10))
        try #require(await h.calls(2))
        await h.operations.complete(1, .success)
        try #require(await h.quiet())
        #expect(await h.phase() == .destroyed)
        try await setPull(s.standin, sha: F.shaA, at: 20)  // reopened; the `reopened` webhook was lost

        await h.supervisor.catchUpOnOpenPullRequests()
        try #require(await h.calls(3))
        #expect(await h.operations.call(2)?.operation == .apply(sha: F.shaA))
        #expect(s.logs.all.contains { $0.contains("caught up with a pull request reopened while prenv was not listening") })
    }

    @Test func aGlobIsNotListedAndSaidSoOnceAtStart() async throws {
        let s = try await setUp(blueprints: [F.preview()])  // on.repositories: ["acme/*"]
        defer { s.standin.stop() }
        try await setPull(s.standin)
        try await s.harness.supervisor.start()
        await s.harness.supervisor.catchUpOnOpenPullRequests()
        #expect(try await s.standin.listings().requests.isEmpty, "nothing to list")
        #expect(await s.harness.operations.count == 0)
        let notices = s.logs.all.filter { $0.contains("repositories selected by a glob are not listed") }
        #expect(notices.count == 1 && notices.first?.contains("acme/*") == true, "\(s.logs.joined)")
    }

    @Test func repositoriesToListAreTheLiteralOnesWithoutRepeats() throws {
        let yaml = F.blueprintYAML.replacingOccurrences(of: #"repositories: ["acme/*"]"#,
                                                        with: #"repositories: ["acme/webapp", "Acme/WebApp", "acme/api-?", "other/site"]"#)
        let blueprint = try BlueprintLoader.parse(yaml: yaml, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
        let split = EnvironmentSupervisor.listableRepositories([blueprint])
        #expect(split.literal == ["acme/webapp", "other/site"])
        #expect(split.globs == ["acme/api-?"])
    }
}
