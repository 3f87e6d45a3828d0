import Foundation
import GitHub
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// `issue_comment` deliveries through `WebhookIntake`: signature first, recorded before the 202
/// under the PR's key, deduplicated, and every comment that is not a command worth running answered
/// "ignored" with its reason and not stored.
@Suite struct IssueCommentIntakeTests {
    let inbox = InMemoryEventInbox()
    let recorded = RecordedKeys()
    static let receivedAt = Date(timeIntervalSince1970: 1_714_560_000)

    func makeIntake(inbox: (any EventInbox)? = nil, selects: (@Sendable (String) async -> Bool)? = { $0 == "acme/webapp" }) -> WebhookIntake {
        let recorded = recorded
        return WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox ?? self.inbox, isRelevant: { _ in true },
                             onRecorded: { await recorded.add($0) }, now: { Self.receivedAt }, selectsRepository: selects)
    }

    func expectNothingRecorded(sourceLocation: SourceLocation = #_sourceLocation) async {
        #expect(await inbox.pendingKeys().isEmpty, sourceLocation: sourceLocation)
        #expect(await recorded.keys.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func aCommandOnAPullRequestIsRecordedUnderThePRsKey() async throws {
        let delivery = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy"), deliveryID: "comment-1")
        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)
        #expect(response.status == 202)
        #expect(response.outcome == "accepted")
        let events = await inbox.pending(key: "acme/webapp#7")
        #expect(events.count == 1)
        #expect(events.first?.event == "issue_comment")
        #expect(events.first?.payload == delivery.body)
        #expect(events.first?.deliveryID == "comment-1")
        #expect(await recorded.keys == ["acme/webapp#7"])
    }

    @Test func theSameKeyAsThePullRequestsEventsKeepsThemInOrder() async throws {
        let intake = makeIntake()
        let opened = try WebhookFixtures.pullRequest(PullRequestPayload(action: "opened", number: 7))
        let comment = try WebhookFixtures.issueComment(IssueCommentPayload(number: 7, body: "/prenv keep"))
        #expect(await intake.receive(headers: opened.headers, body: opened.body).outcome == "accepted")
        #expect(await intake.receive(headers: comment.headers, body: comment.body).outcome == "accepted")
        #expect(await inbox.pending(key: "acme/webapp#7").map(\.event) == ["pull_request", "issue_comment"])
    }

    /// A signed comment replayed after the inbox forgot its id (7 days) must not run again: a
    /// comment older than an hour when it arrives is answered "ignored", with the reason, and not stored.
    @Test func aCommentOlderThanAnHourIsIgnoredAndNotRecorded() async throws {
        let old = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy", createdAt: Self.receivedAt.addingTimeInterval(-8 * 86_400)))
        let response = await makeIntake().receive(headers: old.headers, body: old.body)
        #expect(response.status == 200 || response.status == 202)
        #expect(response.outcome == "ignored")
        #expect(response.message.contains("minutes before it arrived") && response.message.contains("at most 60 minutes old"), "\(response.message)")
        await expectNothingRecorded()
        let justInTime = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy", commentID: 9, createdAt: Self.receivedAt.addingTimeInterval(-3_500)))
        #expect(await makeIntake().receive(headers: justInTime.headers, body: justInTime.body).outcome == "accepted")
    }

    /// The worker's rule: judged against when the command was recorded, so an outage between
    /// recording and processing does not drop it, while a record made late (by an older prenv) is skipped.
    @Test func staleness() throws {
        let body = try IssueCommentPayload(createdAt: Self.receivedAt).json()
        let event = try IssueCommentEvent.decode(from: body)
        #expect(event.comment.createdAt == Self.receivedAt)
        #expect(event.staleReason(at: Self.receivedAt.addingTimeInterval(3_600)) == nil)
        #expect(event.staleReason(at: Self.receivedAt.addingTimeInterval(3_601)) != nil)
        #expect(event.staleReason(at: Self.receivedAt.addingTimeInterval(-600)) == nil, "a comment dated slightly ahead is not stale")
    }

    @Test func theSignatureIsCheckedFirst() async throws {
        var delivery = try WebhookFixtures.issueComment(IssueCommentPayload(), signingSecret: "another secret")
        var response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)
        #expect(response.status == 401)
        #expect(response.message.contains("does not match the body"))
        // A malformed body with a bad signature learns nothing about its shape either.
        delivery = (WebhookFixtures.headers(event: "issue_comment", body: Data("{}".utf8), signingSecret: nil), Data("{}".utf8))
        response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)
        #expect(response.status == 401)
        await expectNothingRecorded()
    }

    @Test func aRedeliveryAndAReplayUnderAFreshDeliveryIdAreRecordedOnce() async throws {
        let intake = makeIntake()
        let payload = IssueCommentPayload(body: "/prenv destroy", commentID: 42)
        let first = try WebhookFixtures.issueComment(payload, deliveryID: "d-1")
        #expect(await intake.receive(headers: first.headers, body: first.body).outcome == "accepted")
        let redelivered = try WebhookFixtures.issueComment(payload, deliveryID: "d-1")
        #expect(await intake.receive(headers: redelivered.headers, body: redelivered.body).outcome == "duplicate")
        let replayed = try WebhookFixtures.issueComment(payload, deliveryID: "d-2")
        #expect(await intake.receive(headers: replayed.headers, body: replayed.body).outcome == "duplicate")
        let another = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy", commentID: 43), deliveryID: "d-3")
        #expect(await intake.receive(headers: another.headers, body: another.body).outcome == "accepted", "another comment saying the same")
        #expect(await inbox.pending(key: "acme/webapp#7").count == 2)
    }

    @Test(arguments: [
        (IssueCommentPayload(action: "edited", body: "/prenv destroy"), "prenv acts on created comments only, not edited ones"),
        (IssueCommentPayload(action: "deleted", body: "/prenv destroy"), "prenv acts on created comments only, not deleted ones"),
        (IssueCommentPayload(body: "/prenv destroy", onPullRequest: false), "comment is on an issue, not a pull request"),
        (IssueCommentPayload(body: "/prenv destroy", login: "prenv[bot]", userType: "Bot"), "comment is by a bot"),
        (IssueCommentPayload(body: "/prenv destroy", login: "helper[bot]"), "comment is by a bot"),
        (IssueCommentPayload(body: "Looks good to me"), "comment holds no /prenv command"),
        (IssueCommentPayload(body: "> /prenv destroy\nno, let's not"), "comment holds no /prenv command"),
        (IssueCommentPayload(repository: "other/repo", body: "/prenv destroy"), "no blueprint lists repository other/repo in on.repositories"),
    ])
    func ignoredWithItsReasonAndNotStored(payload: IssueCommentPayload, reason: String) async throws {
        let delivery = try WebhookFixtures.issueComment(payload)
        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)
        #expect(response.status == 202)
        #expect(response.outcome == "ignored")
        #expect(response.message == reason)
        await expectNothingRecorded()
    }

    @Test func anIntakeWithoutCommandsIgnoresThem() async throws {
        let delivery = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy"))
        let response = await makeIntake(selects: nil).receive(headers: delivery.headers, body: delivery.body)
        #expect(response.outcome == "ignored")
        await expectNothingRecorded()
    }

    @Test func aMalformedPayloadIsA400NamingTheField() async throws {
        var json = try #require(try JSONSerialization.jsonObject(with: IssueCommentPayload().json()) as? [String: Any])
        var comment = try #require(json["comment"] as? [String: Any])
        comment["body"] = nil
        json["comment"] = comment
        let body = try JSONSerialization.data(withJSONObject: json)
        let response = await makeIntake().receive(headers: WebhookFixtures.headers(event: "issue_comment", body: body), body: body)
        #expect(response.status == 400)
        #expect(response.message == "malformed issue_comment payload: invalid webhook payload at comment.body: required field is missing")
        await expectNothingRecorded()
    }

    @Test func anUnwritableInboxIsA503SoGitHubShowsAFailedDelivery() async throws {
        let delivery = try WebhookFixtures.issueComment(IssueCommentPayload(body: "/prenv destroy"))
        let response = await makeIntake(inbox: FailingEventInbox()).receive(headers: delivery.headers, body: delivery.body)
        #expect(response.status == 503)
        #expect(await recorded.keys.isEmpty)
    }

    @Test func theRealExampleIsAPlainIssueCommentAndIgnored() async throws {
        let delivery = try WebhookFixtures.event("issue_comment", fixture: "issue_comment/created.payload.json")
        let response = await makeIntake(selects: { _ in true }).receive(headers: delivery.headers, body: delivery.body)
        #expect(response.outcome == "ignored")
        #expect(response.message == "comment is on an issue, not a pull request")
        await expectNothingRecorded()
    }
}
