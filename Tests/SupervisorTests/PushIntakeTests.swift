import Foundation
import GitHub
import HTTPTransport
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// `push` deliveries through `WebhookIntake`: a moved base branch is recorded once per PR whose
/// environments come from that branch's `.prenv/`, each under its own delivery id and the PR's key;
/// everything else is answered without being stored.
@Suite struct PushIntakeTests {
    let inbox = InMemoryEventInbox()
    let recorded = RecordedKeys()

    func makeIntake(targets: (@Sendable (String, String) async throws -> [String])? = { repository, branch in
        repository == "acme/webapp" && branch == "main" ? ["acme/webapp#7", "acme/webapp#9"] : []
    }) -> WebhookIntake {
        let recorded = recorded
        return WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { _ in true }, onRecorded: { await recorded.add($0) },
                             pushTargets: targets)
    }

    func delivery(_ payload: PushPayload, id: String = "push-1") throws -> (headers: HTTPHeaders, body: Data) {
        let body = try payload.json()
        return (WebhookFixtures.headers(event: "push", body: body, deliveryID: id), body)
    }

    @Test func aPushToTheBaseBranchIsRecordedForEachConcernedPullRequest() async throws {
        let push = try delivery(PushPayload(after: String(repeating: "c", count: 40)))
        let response = await makeIntake().receive(headers: push.headers, body: push.body)
        #expect(response.status == 202 && response.outcome == "accepted", "\(response)")
        for key in ["acme/webapp#7", "acme/webapp#9"] {
            let events = await inbox.pending(key: key)
            #expect(events.map(\.event) == ["push"] && events.first?.deliveryID == "push-1/\(key)" && events.first?.payload == push.body)
        }
        #expect(await recorded.keys.sorted() == ["acme/webapp#7", "acme/webapp#9"])
        // GitHub's redelivery (same id) and a replay under a new id are both recorded once.
        #expect(await makeIntake().receive(headers: push.headers, body: push.body).status == 202)
        let replay = try delivery(PushPayload(after: String(repeating: "c", count: 40)), id: "push-2")
        #expect(await makeIntake().receive(headers: replay.headers, body: replay.body).status == 202)
        #expect(await inbox.pending(key: "acme/webapp#7").count == 1)
    }

    @Test(arguments: [
        ("refs/tags/v1", String(repeating: "c", count: 40), "pushes that move a branch"),
        ("refs/heads/main", String(repeating: "0", count: 40), "pushes that move a branch"),  // the branch was deleted
        ("refs/heads/release", String(repeating: "c", count: 40), "no environment of acme/webapp"),
    ])
    func pushesNobodyDependsOnAreIgnoredAndNotStored(ref: String, after: String, reason: String) async throws {
        let push = try delivery(PushPayload(ref: ref, after: after))
        let response = await makeIntake().receive(headers: push.headers, body: push.body)
        #expect(response.outcome == "ignored" && response.message.contains(reason), "\(response)")
        #expect(await inbox.pendingKeys().isEmpty)
    }

    @Test func withoutRepositoryBlueprintsPushesAreIgnored() async throws {
        let push = try delivery(PushPayload())
        let response = await makeIntake(targets: nil).receive(headers: push.headers, body: push.body)
        #expect(response.outcome == "ignored", "\(response)")
        #expect(await inbox.pendingKeys().isEmpty)
    }

    @Test func aStoreThatCannotSayWhoIsConcernedAnswers503SoGitHubCanRedeliver() async throws {
        struct Down: Error {}
        let push = try delivery(PushPayload())
        let response = await makeIntake(targets: { _, _ in throw Down() }).receive(headers: push.headers, body: push.body)
        #expect(response.status == 503, "\(response)")
        #expect(await inbox.pendingKeys().isEmpty)
    }

    @Test func aMalformedPushIsA400NamingTheField() async throws {
        let body = Data(#"{"ref": "refs/heads/main", "before": "x", "repository": {"full_name": "acme/webapp"}}"#.utf8)
        let response = await makeIntake().receive(headers: WebhookFixtures.headers(event: "push", body: body), body: body)
        #expect(response.status == 400 && response.message.contains("malformed push payload"), "\(response)")
    }

    @Test func anUnsignedPushIsRefusedBeforeAnythingIsRead() async throws {
        let body = try PushPayload().json()
        let response = await makeIntake(targets: { _, _ in Issue.record("read before the signature was checked"); return [] })
            .receive(headers: WebhookFixtures.headers(event: "push", body: body, signingSecret: "wrong"), body: body)
        #expect(response.status == 401)
    }
}
