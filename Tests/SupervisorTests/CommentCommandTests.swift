import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Orchestrator
@testable import Supervisor
import Testing
import TestServices
import WebhookSupport

/// A supervisor whose `/prenv` commands talk to the GitHub stand-in (permission, reactions,
/// replies), with fake operations; intake wired to it as `prenv serve` wires it.
final class CommandHarness: Sendable {
    let standin: StandinProcess
    let inbox = InMemoryEventInbox()
    let store = InMemoryStateStore()
    let workers = InMemoryWorkerStore()
    let operations = FakeOperations()
    let poster = RecordingStatusPoster()
    let reporter: StatusReporter
    let reporterRun: Task<Void, Never>
    let supervisor: EnvironmentSupervisor
    let intake: WebhookIntake

    init() async throws {
        standin = try await StandinProcess()
        let github = GitHubClient(baseURL: standin.url, token: standin.token, transport: CurlTransport(), sleep: { _ in })
        let reporter = StatusReporter(poster: poster)
        self.reporter = reporter
        reporterRun = Task { await reporter.run() }
        let supervisor = EnvironmentSupervisor(blueprints: [try SupervisorFixtures.preview()], inbox: inbox, store: store, workers: workers,
                                               operations: operations, statuses: reporter, commands: GitHubCommandClient(client: github))
        self.supervisor = supervisor
        intake = WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { await supervisor.concerns($0) },
                               onRecorded: { supervisor.wake($0) }, selectsRepository: { supervisor.selects(repository: $0) })
    }

    deinit {
        reporter.finish()
        standin.stop()
    }

    /// A signed delivery through intake, as GitHub sends it.
    @discardableResult
    func send(_ delivery: (headers: HTTPHeaders, body: Data)) async -> OutcomeResponse {
        await intake.receive(headers: delivery.headers, body: delivery.body)
    }

    /// `login` comments `body` on PR `number` (the comment exists on the stand-in, so it can be
    /// reacted to) and GitHub delivers the `issue_comment` webhook; returns the comment's id.
    @discardableResult
    func comment(_ body: String, as login: String, pr number: Int = 7, action: String = "created") async throws -> Int64 {
        let id = try await standin.postComment(body, as: login, on: "acme/webapp", issue: number)
        let response = await send(try WebhookFixtures.issueComment(
            IssueCommentPayload(action: action, number: number, body: body, login: login, commentID: id)))
        try #require(response.status == 202)
        return id
    }

    func quiet(_ prKey: String = SupervisorFixtures.prKey, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("\(prKey) drained and the supervisor idle", sourceLocation: sourceLocation) {
            guard await self.inbox.pending(key: prKey).isEmpty else { return false }
            return await self.supervisor.isIdle
        }
    }

    /// PR #7 opened at shaA (optionally from a fork) and, unless skipped, its apply succeeded.
    func open(fromFork: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let response = await send(try WebhookFixtures.pullRequest(SupervisorFixtures.event("opened", at: 0, fromFork: fromFork)))
        try #require(response.outcome == "accepted", sourceLocation: sourceLocation)
        if !fromFork {
            try #require(await eventually("the apply", sourceLocation: sourceLocation) { await self.operations.count == 1 })
            await operations.complete(0, .success)
        }
        try #require(await quiet(sourceLocation: sourceLocation), sourceLocation: sourceLocation)
    }

    func phase() async -> EnvironmentPhase? {
        try? await supervisor.workerRecords().first { $0.key == SupervisorFixtures.key }?.machine.phase
    }

    /// The reactions on comment `id` (contents, by prenv's token).
    func reactions(on id: Int64) async throws -> [String] {
        try await standin.collaborators().reactions.filter { ($0["comment_id"] as? NSNumber)?.int64Value == id }.compactMap { $0["content"] as? String }
    }

    /// The comments prenv wrote (the stand-in's `--token` acts as `prenv-user`).
    func replies() async throws -> [String] {
        try await standin.comments().filter { (($0["user"] as? [String: Any])?["login"] as? String) == "prenv-user" }
            .compactMap { $0["body"] as? String }
    }

    func waitForReplies(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        var found: [String] = []
        _ = await eventually("\(count) repl(ies) from prenv", sourceLocation: sourceLocation) {
            found = (try? await self.replies()) ?? []
            return found.count >= count
        }
        return found
    }

    func waitForReaction(_ content: String, on id: Int64, sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        await eventually("a \(content) reaction on comment \(id)", sourceLocation: sourceLocation) {
            ((try? await self.reactions(on: id)) ?? []).contains(content)
        }
    }

    /// Sends everything queued, so "nothing else was written" can be asserted.
    func flush() async {
        reporter.finish()
        await reporterRun.value
    }
}

@Suite struct CommentCommandTests {
    typealias F = SupervisorFixtures

    @Test func aWritersDestroyDestroysAndReacts() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        try await harness.standin.setRole("write", for: "alice", on: "acme/webapp")
        let id = try await harness.comment("/prenv destroy", as: "alice")
        try #require(await eventually("the destroy") { await harness.operations.operations == [.apply(sha: F.shaA), .destroy] })
        await harness.operations.complete(1, .success)
        #expect(await harness.quiet())
        #expect(await harness.phase() == .skipped(reason: EnvironmentStateMachine.destroyedByCommand))
        #expect(await harness.waitForReaction("+1", on: id))
        await harness.flush()
        #expect(try await harness.replies().isEmpty, "an accepted command is acknowledged by the reaction alone")
        #expect(try await harness.reactions(on: id) == ["+1"])
    }

    @Test func aDestroyWithNothingToTearDownSaysSoInTheStatus() async throws {
        let harness = try await CommandHarness()
        try await harness.open(fromFork: true)
        try await harness.standin.setRole("write", for: "alice", on: "acme/webapp")
        let id = try await harness.comment("/prenv destroy", as: "alice")
        #expect(await harness.waitForReaction("+1", on: id))
        #expect(await harness.quiet())
        #expect(await harness.phase() == .skipped(reason: EnvironmentStateMachine.destroyedByCommand))
        await harness.flush()
        let last = await harness.poster.posted.last { $0.status.context == F.context }
        #expect(last?.status.description == "Skipped: \(EnvironmentStateMachine.destroyedByCommand)")
        #expect(await harness.operations.count == 0)
    }

    @Test func aReadUsersCommandIsRefusedWithAReplyAndNothingHappens() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        let id = try await harness.comment("/prenv destroy", as: "bob")
        let replies = try await harness.waitForReplies(1)
        #expect(replies == ["prenv did not run `/prenv destroy`: it needs write permission on this repository, and `bob` has `read`."])
        #expect(await harness.waitForReaction("confused", on: id))
        #expect(await harness.quiet())
        #expect(await harness.operations.count == 1, "only the first apply")
        #expect(await harness.phase() == .ready(sha: F.shaA))
    }

    /// Anyone can comment: a refused commenter gets the reply the first time, then only the
    /// reaction for ten minutes, so comments cannot spend the write budget. Replies and reactions
    /// go at intermediate priority (statuses and deployments first).
    @Test func aRefusedCommenterIsRepliedToOnceThenOnlyReactedTo() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        var ids: [Int64] = []
        for _ in 0..<3 { ids.append(try await harness.comment("/prenv destroy", as: "bob")) }
        for id in ids { #expect(await harness.waitForReaction("confused", on: id)) }
        #expect(await harness.quiet())
        await harness.flush()
        #expect(try await harness.replies().count == 1)
        #expect(await harness.operations.count == 1, "only the first apply")
    }

    @Test func aForkPullRequestsAuthorIsRefusedAndAMaintainerIsToldTheBlueprintSkipsForks() async throws {
        let harness = try await CommandHarness()
        try await harness.open(fromFork: true)
        #expect(await harness.operations.count == 0)
        try await harness.comment("/prenv redeploy", as: "contributor")
        try await harness.standin.setRole("maintain", for: "mia", on: "acme/webapp")
        let maintainers = try await harness.comment("/prenv redeploy", as: "mia")
        let replies = try await harness.waitForReplies(2)
        #expect(replies.first == "prenv did not run `/prenv redeploy`: it needs write permission on this repository, and `contributor` has `read`.")
        #expect(replies.last == """
            prenv did not run `/prenv redeploy`:
            - `preview`: the pull request comes from a fork and the blueprint skips forks (`on.forks: skip`)
            """)
        #expect(await harness.waitForReaction("confused", on: maintainers))
        #expect(await harness.quiet())
        #expect(await harness.operations.count == 0, "a fork's code never ran")
    }

    @Test func anEditedCommentAndACommentOnAnIssueAreIgnoredWithoutAsking() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        try await harness.standin.setRole("admin", for: "alice", on: "acme/webapp")
        let edited = await harness.send(try WebhookFixtures.issueComment(IssueCommentPayload(action: "edited", body: "/prenv destroy", login: "alice")))
        #expect(edited.outcome == "ignored")
        let onIssue = await harness.send(try WebhookFixtures.issueComment(
            IssueCommentPayload(number: 9, body: "/prenv destroy", login: "alice", onPullRequest: false)))
        #expect(onIssue.outcome == "ignored")
        #expect(await harness.quiet())
        await harness.flush()
        #expect(try await harness.standin.collaborators().lookups.isEmpty)
        #expect(try await harness.replies().isEmpty)
        #expect(await harness.operations.count == 1)
    }

    @Test func twoCommandsCostOnePermissionLookup() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        try await harness.standin.setRole("write", for: "alice", on: "acme/webapp")
        let keep = try await harness.comment("/prenv keep", as: "alice")
        #expect(await harness.waitForReaction("+1", on: keep))
        let redeploy = try await harness.comment("/PRENV redeploy", as: "Alice")
        try #require(await eventually("the redeploy") { await harness.operations.count == 2 })
        #expect(await harness.operations.operations.last == .apply(sha: F.shaA), "the same head applied again")
        await harness.operations.complete(1, .success)
        #expect(await harness.waitForReaction("+1", on: redeploy))
        let lookups = try await harness.standin.collaborators().lookups
        #expect(lookups.count == 1, "the second command read the cached answer: \(lookups)")
        #expect(try await harness.supervisor.workerRecords().first?.machine.keptByCommand == true)
    }

    @Test func whenGitHubCannotSayWhoMayWriteNothingIsDoneAndAReplySaysSo() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        try await harness.standin.setRole("write", for: "alice", on: "acme/webapp")
        try await harness.standin.failPermissionLookups(status: 502, count: 50)
        let id = try await harness.comment("/prenv destroy", as: "alice")
        let replies = try await harness.waitForReplies(1)
        #expect(replies == ["prenv did not run `/prenv destroy`: GitHub did not answer whether the commenter may write to this repository. "
                + "Nothing was changed; comment again in a minute."])
        #expect(await harness.quiet())
        #expect(await harness.operations.count == 1)
        #expect(await harness.phase() == .ready(sha: F.shaA))
        let lookups = try await harness.standin.collaborators().lookups
        #expect(!lookups.isEmpty && lookups.allSatisfy { $0["status"] as? Int == 502 }, "the fault fired: \(lookups)")
        await harness.flush()
        #expect(try await harness.reactions(on: id).isEmpty)
    }

    @Test func aCommandOnAPullRequestNoBlueprintSelectedIsAnswered() async throws {
        let harness = try await CommandHarness()
        let id = try await harness.comment("/prenv redeploy", as: "alice", pr: 8)
        let replies = try await harness.waitForReplies(1)
        #expect(replies == ["prenv did not run `/prenv redeploy`: no blueprint selects this pull request (or prenv has not seen it opened or pushed yet)."])
        #expect(await harness.waitForReaction("confused", on: id))
        #expect(try await harness.standin.collaborators().lookups.isEmpty, "nothing to do: nobody's permission asked")
    }

    @Test func helpAndUnknownCommandsAreAnsweredWithoutEchoingTheComment() async throws {
        let harness = try await CommandHarness()
        try await harness.open()
        try await harness.comment("/prenv help", as: "bob")
        let unknown = try await harness.comment("/prenv @acme/everyone <script>", as: "mallory")
        let replies = try await harness.waitForReplies(2)
        #expect(replies.allSatisfy { $0.contains("- `/prenv destroy`: tear the environment down now") })
        #expect(replies.last?.hasPrefix("prenv does not know that command.") == true)
        #expect(replies.allSatisfy { !$0.contains("@") && !$0.contains("everyone") && !$0.contains("<script>") })
        #expect(await harness.waitForReaction("confused", on: unknown))
        #expect(await harness.operations.count == 1)
    }

    @Test func aLoginIsReducedToWhatGitHubAllowsInTheReply() {
        #expect(CommandReply.code("bob`@evil**") == "`bobevil`")
        #expect(CommandReply.code("dependabot[bot]") == "`dependabot[bot]`")
        #expect(CommandReply.noWritePermission(login: "@team", command: .keep, permission: "read\n@x").contains("@") == false)
    }
}
