import HTTPTransport
import Foundation
import GitHub
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// Collects the keys `onRecorded` was called with.
actor RecordedKeys {
    private(set) var keys: [String] = []
    func add(_ key: String) { keys.append(key) }
}

/// An inbox whose writes always fail (a full disk, a locked database).
struct FailingEventInbox: EventInbox {
    struct WriteFailed: Error, CustomStringConvertible {
        var description: String { "disk I/O error" }
    }

    func append(deliveryID: String, contentKey: String, event: String, key: String, payload: Data, receivedAt: Date) async throws
        -> InboxAppendResult
    {
        throw WriteFailed()
    }
    func pending(key: String) async throws -> [InboxEvent] { [] }
    func pendingKeys() async throws -> [String] { [] }
    func markProcessed(key: String, through sequence: Int64) async throws {}
    func prune(processedBefore date: Date) async throws -> Int { 0 }
}

/// `WebhookIntake` over an in-memory inbox: verify, classify, record, answer.
@Suite struct WebhookIntakeTests {
    let inbox = InMemoryEventInbox()
    let recorded = RecordedKeys()
    static let receivedAt = Date(timeIntervalSince1970: 1_714_560_000)

    func makeIntake(inbox: (any EventInbox)? = nil, relevant: Bool = true) -> WebhookIntake {
        let recorded = recorded
        let target: any EventInbox = inbox ?? self.inbox
        return WebhookIntake(
            secret: WebhookFixtures.secret, inbox: target, isRelevant: { _ in relevant },
            onRecorded: { await recorded.add($0) }, now: { Self.receivedAt })
    }

    /// Nothing reached the inbox and nobody was woken.
    func expectNothingRecorded(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(await inbox.pendingKeys().isEmpty, sourceLocation: sourceLocation)
        #expect(await recorded.keys.isEmpty, sourceLocation: sourceLocation)
    }

    static func bodyText(_ response: OutcomeResponse) -> String {
        String(decoding: response.body, as: UTF8.self)
    }

    // MARK: Accepted

    @Test func validOpenedIsRecordedWithItsRawPayloadAndWakesThePR() async throws {
        let payload = PullRequestPayload(action: "opened", repository: "acme/webapp", number: 7)
        let delivery = try WebhookFixtures.pullRequest(payload, deliveryID: "delivery-1")

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 202)
        #expect(response.outcome == "accepted")
        #expect(response.deliveryID == "delivery-1")
        let events = await inbox.pending(key: "acme/webapp#7")
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.payload == delivery.body)
        #expect(event.key == "acme/webapp#7")
        #expect(event.event == "pull_request")
        #expect(event.deliveryID == "delivery-1")
        #expect(event.receivedAt == Self.receivedAt)
        #expect(await inbox.pendingKeys() == ["acme/webapp#7"])
        #expect(await recorded.keys == ["acme/webapp#7"])
    }

    @Test func formEncodedDeliveryIsVerifiedOverTheRawFormBody() async throws {
        let json = try PullRequestPayload(action: "synchronize", number: 12).json()
        let form = WebhookFixtures.formEncoded(json)
        let headers = WebhookFixtures.headers(body: form, deliveryID: "form-1", contentType: "application/x-www-form-urlencoded")

        let response = await makeIntake().receive(headers: headers, body: form)

        #expect(response.status == 202)
        #expect(response.outcome == "accepted")
        let events = await inbox.pending(key: "acme/webapp#12")
        #expect(events.count == 1)
        // What workers read back is the JSON document, byte for byte.
        #expect(events.first?.payload == json)
        #expect(await recorded.keys == ["acme/webapp#12"])
    }

    @Test func formEncodedDeliverySignedOverTheJSONInsteadIsRejected() async throws {
        let json = try PullRequestPayload(action: "opened").json()
        let form = WebhookFixtures.formEncoded(json)
        var headers = WebhookFixtures.headers(body: form, contentType: "application/x-www-form-urlencoded")
        headers[WebhookSignature.headerName] = WebhookSignature.sign(body: json, secret: Data(WebhookFixtures.secret.utf8))

        let response = await makeIntake().receive(headers: headers, body: form)

        #expect(response.status == 401)
        try await expectNothingRecorded()
    }

    // MARK: Signature failures: 401, nothing recorded

    @Test func missingSignatureIsRejected() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(), signingSecret: nil)
        #expect(delivery.headers[WebhookSignature.headerName] == nil)

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 401)
        #expect(response.outcome == "error")
        #expect(response.message.contains("X-Hub-Signature-256"))
        try await expectNothingRecorded()
    }

    @Test(arguments: ["sha256=zz", "sha1=0123456789abcdef0123456789abcdef01234567", "sha256=" + String(repeating: "a", count: 63), "sha256="])
    func malformedSignatureIsRejected(header: String) async throws {
        var delivery = try WebhookFixtures.pullRequest(PullRequestPayload())
        delivery.headers[WebhookSignature.headerName] = header

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 401)
        #expect(response.outcome == "error")
        try await expectNothingRecorded()
    }

    @Test func signatureMadeWithAnotherSecretIsRejected() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(), signingSecret: "not-the-secret")

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 401)
        #expect(response.message.contains("does not match"))
        try await expectNothingRecorded()
    }

    @Test func bodyAlteredAfterSigningIsRejected() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(headSHA: String(repeating: "a", count: 40)))
        let altered = Data(String(decoding: delivery.body, as: UTF8.self)
            .replacingOccurrences(of: String(repeating: "a", count: 40), with: String(repeating: "b", count: 40)).utf8)
        #expect(altered != delivery.body)

        let response = await makeIntake().receive(headers: delivery.headers, body: altered)

        #expect(response.status == 401)
        try await expectNothingRecorded()
    }

    // MARK: Not for prenv: answered, not recorded

    @Test func pingIsAnsweredWithPong() async throws {
        let delivery = try WebhookFixtures.event("ping", fixture: "ping/payload.json")

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 200)
        #expect(response.outcome == "pong")
        try await expectNothingRecorded()
    }

    @Test func otherEventsAreIgnored() async throws {
        let delivery = try WebhookFixtures.event("push", fixture: "push/payload.json")

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 202)
        #expect(response.outcome == "ignored")
        #expect(response.message.contains("push"))
        try await expectNothingRecorded()
    }

    @Test(arguments: ["assigned", "review_requested", "ready_for_review", "locked"])
    func actionsPrenvDoesNotActOnAreIgnored(action: String) async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(action: action))

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 202)
        #expect(response.outcome == "ignored")
        #expect(response.message.contains(action))
        try await expectNothingRecorded()
    }

    @Test func pullRequestsNoBlueprintConcernsAreIgnored() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(repository: "elsewhere/tool"))

        let response = await makeIntake(relevant: false).receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 202)
        #expect(response.outcome == "ignored")
        #expect(response.message.contains("elsewhere/tool"))
        try await expectNothingRecorded()
    }

    @Test func isRelevantSeesTheDecodedEvent() async throws {
        let seen = RecordedKeys()
        let intake = WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { event in
            await seen.add("\(event.repository.fullName)#\(event.number)@\(event.pullRequest.base.ref)")
            return true
        }, onRecorded: { _ in })
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(repository: "acme/api", number: 31, baseRef: "release/2"))

        _ = await intake.receive(headers: delivery.headers, body: delivery.body)

        #expect(await seen.keys == ["acme/api#31@release/2"])
    }

    // MARK: Bad payloads: 400

    @Test func malformedJSONIsRejectedWithTheReason() async throws {
        let body = Data(#"{"action": "opened", "number": 7, "pull_request": {"#.utf8)
        let headers = WebhookFixtures.headers(body: body)

        let response = await makeIntake().receive(headers: headers, body: body)

        #expect(response.status == 400)
        #expect(response.outcome == "error")
        #expect(response.message.contains("not valid JSON"))
        try await expectNothingRecorded()
    }

    @Test func missingFieldIsNamedByItsPath() async throws {
        let json = try PullRequestPayload().json()
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var pullRequest = try #require(object["pull_request"] as? [String: Any])
        var head = try #require(pullRequest["head"] as? [String: Any])
        head["sha"] = nil
        pullRequest["head"] = head
        object["pull_request"] = pullRequest
        let body = try JSONSerialization.data(withJSONObject: object)

        let response = await makeIntake().receive(headers: WebhookFixtures.headers(body: body), body: body)

        #expect(response.status == 400)
        #expect(response.message.contains("pull_request.head.sha"))
        try await expectNothingRecorded()
    }

    @Test func updatedAtThatIsNotADateIsRejected() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(updatedAt: "yesterday"))

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 400)
        #expect(response.message.contains("updated_at"))
        #expect(response.message.contains("yesterday"))
        try await expectNothingRecorded()
    }

    @Test func missingDeliveryHeaderIsRejected() async throws {
        var delivery = try WebhookFixtures.pullRequest(PullRequestPayload())
        delivery.headers["X-GitHub-Delivery"] = nil

        let response = await makeIntake().receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 400)
        #expect(response.message.contains("X-GitHub-Delivery"))
        try await expectNothingRecorded()
    }

    // MARK: Redelivery and storage failures

    @Test func redeliveryIsAnsweredDuplicateAndRecordedOnce() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(), deliveryID: "same-guid")
        let intake = makeIntake()

        let first = await intake.receive(headers: delivery.headers, body: delivery.body)
        let second = await intake.receive(headers: delivery.headers, body: delivery.body)

        #expect(first.status == 202)
        #expect(first.outcome == "accepted")
        #expect(second.status == 202)
        #expect(second.outcome == "duplicate")
        #expect(await inbox.pending(key: "acme/webapp#7").count == 1)
        #expect(await recorded.keys == ["acme/webapp#7"])
    }

    @Test func inboxThatCannotWriteAnswers503() async throws {
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload())

        let response = await makeIntake(inbox: FailingEventInbox()).receive(headers: delivery.headers, body: delivery.body)

        #expect(response.status == 503)
        #expect(response.outcome == "error")
        // The detail (paths, SQLite codes) is logged, not shown on GitHub's delivery page.
        #expect(response.message.contains("could not record the delivery"))
        #expect(!response.message.contains("disk I/O error"))
        #expect(await recorded.keys.isEmpty)
    }

    // MARK: The secret never leaks

    @Test func responsesNeverContainTheSecret() async throws {
        let intake = makeIntake()
        let valid = try WebhookFixtures.pullRequest(PullRequestPayload())
        let wrong = try WebhookFixtures.pullRequest(PullRequestPayload(number: 8), signingSecret: "other")
        let unsigned = try WebhookFixtures.pullRequest(PullRequestPayload(number: 9), signingSecret: nil)
        let bad = Data("{".utf8)
        let push = try WebhookFixtures.event("push", fixture: "push/payload.json")
        var responses: [OutcomeResponse] = []
        responses.append(await intake.receive(headers: valid.headers, body: valid.body))
        responses.append(await intake.receive(headers: valid.headers, body: valid.body))
        responses.append(await intake.receive(headers: wrong.headers, body: wrong.body))
        responses.append(await intake.receive(headers: unsigned.headers, body: unsigned.body))
        responses.append(await intake.receive(headers: WebhookFixtures.headers(body: bad), body: bad))
        responses.append(await intake.receive(headers: push.headers, body: push.body))
        let unstored = try WebhookFixtures.pullRequest(PullRequestPayload(number: 10))
        responses.append(await self.makeIntake(inbox: FailingEventInbox()).receive(headers: unstored.headers, body: unstored.body))

        #expect(responses.map(\.status) == [202, 202, 401, 401, 400, 202, 503])
        for response in responses {
            let text = Self.bodyText(response)
            #expect(!text.isEmpty)
            #expect(!text.contains(WebhookFixtures.secret))
            #expect(!response.message.contains(WebhookFixtures.secret))
            // The body is the small JSON object GitHub's delivery page shows.
            let object = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: String])
            #expect(object["outcome"] == response.outcome)
        }
        #expect(!String(describing: intake).contains(WebhookFixtures.secret))
    }
}
