import Foundation
import GitHub
import HTTPTransport
import LogCapture
import Orchestrator
@testable import Supervisor
import TestServices
import Testing

/// Deployments and the sticky comment against the GitHub stand-in, which enforces GitHub's rules
/// for these routes: `EnvironmentPresence` driven as the supervisor drives it, writes sent by a real
/// `StatusReporter` over HTTP.
@Suite struct PresenceStandinTests {
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")
    static let sha = String(repeating: "a", count: 40)
    static let secret = "webhook-secret"

    struct Setup {
        let standin: StandinProcess
        let github: GitHubClient
        let reporter: StatusReporter
        let run: Task<Void, Never>
        let store: InMemoryStateStore
        let presence: EnvironmentPresence
        let logs: CapturedLogs

        func stop() {
            reporter.finish()
            run.cancel()
            standin.stop()
        }
    }

    func setUp(interval: TimeInterval = 0, store: InMemoryStateStore = InMemoryStateStore(), standin existing: StandinProcess? = nil) async throws -> Setup {
        let standin = if let existing { existing } else { try await StandinProcess() }
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        let reporter = StatusReporter(poster: GitHubStatusPoster(client: github))
        let run = Task { await reporter.run() }
        let logs = CapturedLogs()
        let presence = EnvironmentPresence(reporter: reporter, github: github, store: store, region: "eu-west-1", secret: Self.secret,
                                           commentInterval: interval, logger: logs.logger())
        return Setup(standin: standin, github: github, reporter: reporter, run: run, store: store, presence: presence, logs: logs)
    }

    func ready(_ s: Setup, sha: String = sha, summary: String = "Environment ready: 4 resources") {
        s.presence.began(Self.key, sha: sha, headRef: "feature/login", destroying: false, blueprint: nil, expiresAt: nil)
        s.presence.ended(Self.key, sha: sha, headRef: "feature/login",
                         .init(state: .ready, summary: summary, previewURL: URL(string: "http://preview.example/pr-7/")))
    }

    func creations(_ s: Setup) async throws -> Int {
        try await s.standin.comments().history.filter { $0["action"] as? String == "created" && $0["login"] as? String == "prenv-user" }.count
    }

    @Test func anApplyGetsOneDeploymentWithItsStatusesInOrderAndADestroyMakesItInactive() async throws {
        let s = try await setUp()
        defer { s.stop() }
        // An apply takes a while: `in_progress` goes out before it ends (queued together, the write
        // budget would coalesce it into the final `success`, which `coalescedInProgress…` checks).
        s.presence.began(Self.key, sha: Self.sha, headRef: "feature/login", destroying: false, blueprint: nil, expiresAt: nil)
        #expect(await eventually("in_progress") { (try? await s.standin.deployments().deployments.first?.statuses.count) == 1 })
        s.presence.ended(Self.key, sha: Self.sha, headRef: "feature/login",
                         .init(state: .ready, summary: "Environment ready: 4 resources", previewURL: URL(string: "http://preview.example/pr-7/")))
        #expect(await eventually("deployment success") { (try? await s.standin.deployments().deployments.first?.statuses.count) == 2 })
        s.presence.ended(Self.key, sha: Self.sha, headRef: nil, .init(state: .destroyed, summary: "Environment destroyed: pull request closed"))
        #expect(await eventually("inactive") { (try? await s.standin.deployments().deployments.first?.statuses.count) == 3 })

        let (deployments, _) = try await s.standin.deployments()
        let deployment = try #require(deployments.first)
        #expect(deployments.count == 1)
        #expect(deployment.ref == Self.sha && deployment.environment == "webapp/pr-7")
        #expect(deployment.transientEnvironment && !deployment.productionEnvironment && !deployment.autoMerge && deployment.requiredContexts == [])
        #expect(deployment.statuses.map(\.state) == ["in_progress", "success", "inactive"])
        #expect(deployment.statuses[1].environmentURL == "http://preview.example/pr-7/")
        #expect(deployment.statuses.allSatisfy { $0.logURL.isEmpty }, "prenv has no page per environment yet")
        #expect(try await s.store.deployment(Self.key, sha: Self.sha)?.id == Int64(deployment.id))
    }

    @Test func coalescedInProgressLeavesTheFinalStateOnly() async throws {
        let s = try await setUp()
        defer { s.stop() }
        ready(s)  // began and ended at once: `in_progress` is superseded before its turn
        #expect(await eventually("deployment success") { (try? await s.standin.deployments().deployments.first?.statuses.last?.state) == "success" })
        let (deployments, _) = try await s.standin.deployments()
        #expect(deployments.count == 1)
        #expect(deployments.first?.statuses.last?.environmentURL == "http://preview.example/pr-7/")
        #expect(deployments.first?.statuses.map(\.state).filter { $0 != "in_progress" } == ["success"])
    }

    @Test func aRestartContinuesTheStoredDeployment() async throws {
        let store = InMemoryStateStore()
        let first = try await setUp(store: store)
        first.presence.began(Self.key, sha: Self.sha, headRef: "f", destroying: false, blueprint: nil, expiresAt: nil)
        #expect(await eventually("in_progress") { (try? await first.standin.deployments().deployments.first?.statuses.count) == 1 })
        first.reporter.finish()
        let second = try await setUp(store: store, standin: first.standin)
        defer { second.stop() }
        second.presence.ended(Self.key, sha: Self.sha, headRef: nil, .init(state: .failed, summary: "Provisioning failed", error: "AccessDenied"))
        #expect(await eventually("failure") { (try? await second.standin.deployments().deployments.first?.statuses.count) == 2 })
        let (deployments, _) = try await second.standin.deployments()
        #expect(deployments.count == 1)
        #expect(deployments.first?.statuses.map(\.state) == ["in_progress", "failure"])
        #expect(deployments.first?.statuses.last?.description == "AccessDenied")
    }

    @Test(arguments: [409, 422])
    func aRefusedDeploymentIsLoggedWithGitHubsMessageNotRetriedAndStatusesStillGoOut(_ code: Int) async throws {
        let s = try await setUp()
        defer { s.stop() }
        _ = try await s.standin.admin("deployments/faults", ["status": code, "message": "Conflict merging main into feature/login"])
        ready(s)
        s.reporter.submit(repository: "acme/webapp", sha: Self.sha, status: CommitStatus(state: .success, context: "prenv/webapp", description: "ready"),
                          pullRequest: 7)
        #expect(await eventually("the commit status") { (try? await s.standin.received().statuses.count) == 1 })
        #expect(await eventually("the comment") { (try? await creations(s)) == 1 })
        let (deployments, requests) = try await s.standin.deployments()
        #expect(deployments.isEmpty)
        #expect(requests.filter { $0["kind"] as? String == "deployment" }.map { $0["status"] as? Int } == [code], "one attempt: \(requests)")
        #expect(s.logs.all.contains { $0.contains("GitHub refused the deployment") && $0.contains("Conflict merging main") }, "\(s.logs.all)")
    }

    @Test func aDeletedCommentIsRecreatedOncePerWriteNeverInALoop() async throws {
        let s = try await setUp()
        defer { s.stop() }
        ready(s, summary: "first")
        #expect(await eventually("created") { (try? await creations(s)) == 1 })
        for round in 2...3 {
            let live = try await s.standin.comments().live
            let id = try #require(live.first?["id"] as? Int)
            _ = try await s.standin.admin("comments/delete", ["id": id, "login": "a-user"])
            ready(s, summary: "round \(round)")
            #expect(await eventually("recreated") { (try? await creations(s)) == round })
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await creations(s) == 3, "one creation per write")
        let live = try await s.standin.comments().live
        #expect(live.count == 1 && (live.first?["body"] as? String)?.contains("round 3") == true)
        #expect(try await s.store.prComment(Self.key)?.id == Int64(live.first?["id"] as? Int ?? -1))
    }

    @Test func finalsWithinTheIntervalCostOneEditAndTheLastOneWins() async throws {
        let s = try await setUp(interval: 1.5)
        defer { s.stop() }
        ready(s, summary: "first")
        #expect(await eventually("created") { (try? await creations(s)) == 1 })
        ready(s, summary: "second")
        s.presence.ended(Self.key, sha: Self.sha, headRef: nil, .init(state: .destroyed, summary: "Environment destroyed: pull request closed"))
        #expect(await eventually("edited") { ((try? await s.standin.comments().live.first?["edits"]) as? Int) == 1 })
        try await Task.sleep(for: .seconds(2))
        let live = try await s.standin.comments().live
        #expect(live.first?["edits"] as? Int == 1, "one edit for two finals")
        #expect((live.first?["body"] as? String)?.contains("destroyed") == true, "the last final wins")
        #expect(try await creations(s) == 1)
    }

    /// A debounced edit is rendered when it is sent: by then the next push's run has begun, and the
    /// comment must still say how the last one ended (the presence keeps a copy of that final only
    /// once the activity moves on from it).
    @Test func aDebouncedEditShowsTheLastFinalEvenOnceTheNextRunHasBegun() async throws {
        let s = try await setUp(interval: 1.5)
        defer { s.stop() }
        ready(s, summary: "first")
        #expect(await eventually("created") { (try? await creations(s)) == 1 })
        s.presence.ended(Self.key, sha: Self.sha, headRef: nil, .init(state: .failed, summary: "Provisioning failed", error: "AccessDenied: no"))
        s.presence.began(Self.key, sha: String(repeating: "b", count: 40), headRef: "feature/login", destroying: false, blueprint: nil, expiresAt: nil)
        #expect(await eventually("edited") { ((try? await s.standin.comments().live.first?["edits"]) as? Int) == 1 })
        let body = try #require(try await s.standin.comments().live.first?["body"] as? String)
        #expect(body.contains("AccessDenied: no") && !body.contains("Provisioning 0 resources"), "\(body)")
        #expect(s.presence.activities()[Self.key]?.state == .provisioning, "the activity itself moved on")
    }

    /// The store lost the id and prenv does not know its own login yet: the old comment is not
    /// adopted (its author cannot be checked), a new one is created. (Behaviour changed: before,
    /// any comment with the marker was adopted when the login was unknown.)
    @Test func aCommentLostFromTheStoreIsNotAdoptedWhileTheLoginIsUnknown() async throws {
        let first = try await setUp()
        ready(first, summary: "first")
        #expect(await eventually("created") { (try? await creations(first)) == 1 })
        first.reporter.finish()
        let second = try await setUp(standin: first.standin)  // a fresh store: the id (and the login) are lost
        defer { second.stop() }
        ready(second, summary: "after the store was lost")
        #expect(await eventually("created anew") { (try? await creations(second)) == 2 })
        let live = try await second.standin.comments().live
        #expect(live.filter { ($0["edits"] as? Int ?? 0) > 0 }.isEmpty, "nothing adopted: \(live)")
        #expect(try await second.store.prComment(Self.key)?.author == "prenv-user", "learned from the comment it created")
    }

    /// Once prenv knows its login (from a comment it created for another environment), a comment
    /// the store lost is found by its marker and edited.
    @Test func aCommentLostFromTheStoreIsFoundByItsMarkerOnceTheLoginIsKnown() async throws {
        let first = try await setUp()
        ready(first, summary: "first")
        #expect(await eventually("created") { (try? await creations(first)) == 1 })
        first.reporter.finish()
        let second = try await setUp(standin: first.standin)  // a fresh store: the id is lost
        defer { second.stop() }
        let other = EnvironmentKey(repository: "acme/webapp", pr: 8, blueprint: "webapp")
        second.presence.began(other, sha: Self.sha, headRef: "f", destroying: false, blueprint: nil, expiresAt: nil)
        second.presence.ended(other, sha: Self.sha, headRef: "f", .init(state: .ready, summary: "another PR"))
        #expect(await eventually("the other PR's comment") { (try? await creations(second)) == 2 })
        ready(second, summary: "after the store was lost")
        #expect(await eventually("edited") {
            ((try? await second.standin.comments().live.first { ($0["issue"] as? Int) == 7 }?["edits"]) as? Int) == 1
        })
        #expect(try await creations(second) == 2)
    }

    /// A stranger's comment with a genuine (copied) marker while prenv's login is unknown: not
    /// edited, and the stranger never becomes prenv's login (prenv's own comment is adopted later).
    @Test func aStrangersMarkerIsNotAdoptedWhileTheLoginIsUnknown() async throws {
        let s = try await setUp()
        defer { s.stop() }
        let genuine = PRCommentMarker(secret: Self.secret).marker(for: Self.key)
        _ = try await s.standin.admin("comments", ["repository": "acme/webapp", "issue": 7, "body": genuine + "\nmine now", "login": "mallory"])
        ready(s, summary: "first")
        #expect(await eventually("created") { (try? await creations(s)) == 1 })
        let live = try await s.standin.comments().live
        #expect(live.filter { ($0["edits"] as? Int ?? 0) > 0 }.isEmpty, "mallory's comment untouched: \(live)")
        #expect(try await s.store.prComment(Self.key)?.author == "prenv-user")
    }

    /// Someone else's comment carrying a copied (valid) marker, and anyone's with a wrong MAC: never edited.
    @Test func forgedMarkersAreNeverEdited() async throws {
        let store = InMemoryStateStore()
        // prenv's login is known from the comment it once wrote (since deleted).
        await store.savePRComment(Self.key, StoredComment(id: 123_456, author: "prenv-user"))
        let s = try await setUp(store: store)
        defer { s.stop() }
        let genuine = PRCommentMarker(secret: Self.secret).marker(for: Self.key)
        let wrongMAC = PRCommentMarker(secret: "guessed").marker(for: Self.key)
        _ = try await s.standin.admin("comments", ["repository": "acme/webapp", "issue": 7, "body": genuine + "\nmine now", "login": "mallory"])
        _ = try await s.standin.admin("comments", ["repository": "acme/webapp", "issue": 7, "body": wrongMAC + "\nmine too", "login": "prenv-user"])
        ready(s)
        #expect(await eventually("created") { (try? await creations(s)) == 2 })  // the wrong-MAC one (posted as prenv-user) and prenv's new one
        let live = try await s.standin.comments().live
        #expect(live.filter { ($0["edits"] as? Int ?? 0) > 0 }.isEmpty, "nothing was edited: \(live)")
        #expect(live.count == 3)
        #expect(s.logs.all.contains { $0.contains("written by someone else") })
    }
}
