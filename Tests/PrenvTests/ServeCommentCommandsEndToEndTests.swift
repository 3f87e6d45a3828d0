import HTTPTransport
import Foundation
import LocalAWSSupport
import Testing
import TestServices
import WebhookSupport

/// `/prenv` comment commands through the binary: a writer's `/prenv destroy` removes every resource
/// and the status says why; `/prenv redeploy` brings the environment back at the same head.
@Suite struct ServeCommentCommandsEndToEndTests {
    let sha = String(repeating: "7", count: 40)

    /// `login` comments on the PR (on the stand-in) and GitHub delivers the signed `issue_comment`.
    func comment(_ body: String, as login: String, pr: Int, serve: ServeHarness) async throws -> Int64 {
        let id = try await serve.standin.postComment(body, as: login, on: "acme/webapp", issue: pr)
        let payload = try IssueCommentPayload(number: pr, body: body, login: login, commentID: id).json()
        let response = try await serve.post(body: payload, headers: WebhookFixtures.headers(
            event: "issue_comment", body: payload, signingSecret: serve.secret))
        #expect(response.status == 202 && response.json["outcome"] as? String == "accepted", "\(response)")
        return id
    }

    func reactions(on id: Int64, serve: ServeHarness) async throws -> [String] {
        try await serve.standin.collaborators().reactions.filter { ($0["comment_id"] as? NSNumber)?.int64Value == id }
            .compactMap { $0["content"] as? String }
    }

    @Test func aWritersDestroyRemovesEverythingAndRedeployBringsItBack() async throws {
        let serve = try await ServeHarness("sv-cmds")
        defer { serve.stop() }
        let pr = 4343
        try await serve.send(PullRequestPayload(action: "opened", number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(0)))
        try await serve.waitFor(pr: pr, state: "ready", sha: sha)
        var found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")
        try await serve.standin.setRole("write", for: "alice", on: "acme/webapp")

        let destroy = try await comment("/prenv destroy", as: "alice", pr: pr, serve: serve)
        try await serve.waitFor(pr: pr, state: "skipped")
        found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.isEmpty, "left behind: \(found)")
        let statuses = try await eventually { try await serve.statuses(sha: sha) } until: {
            $0.contains { $0.context == "prenv/webapp" && $0.description.hasPrefix("Environment destroyed") }
        }
        let destroyed = try #require(statuses.last { $0.context == "prenv/webapp" })
        #expect(destroyed.state == "success")
        #expect(destroyed.description == "Environment destroyed: requested with /prenv destroy; push or comment /prenv redeploy to bring it back")
        #expect(try await eventually { try await reactions(on: destroy, serve: serve) } until: { $0 == ["+1"] } == ["+1"])

        let redeploy = try await comment("/prenv redeploy", as: "alice", pr: pr, serve: serve)
        try await serve.waitFor(pr: pr, state: "ready", sha: sha)
        found = try await TaggedResources.find(envName: serve.envName(pr: pr), client: serve.templates.client)
        #expect(found.projects.count == 1 && found.pipelines.count == 1 && found.stacks.count == 1, "\(found)")
        #expect(try await eventually { try await reactions(on: redeploy, serve: serve) } until: { $0 == ["+1"] } == ["+1"])

        try await serve.send(PullRequestPayload(action: "closed", number: pr, headSHA: sha, updatedAt: WebhookFixtures.timestamp(60)))
        try await serve.waitFor(pr: pr, state: "destroyed")
    }
}
