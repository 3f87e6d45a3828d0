import Foundation
import GitHub
import HTTPTransport
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// Replays: the HMAC covers the body, not `X-GitHub-Delivery`, so anyone holding a signed body can
/// send it again under a fresh delivery id. Intake dedupes by content: such a delivery is answered
/// 202 `duplicate` and applied once. Distinct real events, even of one second, are never merged.
@Suite struct WebhookReplayTests {
    let inbox = InMemoryEventInbox()
    let recorded = RecordedKeys()

    func makeIntake() -> WebhookIntake {
        let recorded = recorded
        return WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { _ in true },
                             onRecorded: { await recorded.add($0) }, now: { Date(timeIntervalSince1970: 1_714_560_000) })
    }

    /// `body` signed with the webhook's secret, under `deliveryID`.
    func deliver(_ body: Data, as deliveryID: String, to intake: WebhookIntake) async -> OutcomeResponse {
        await intake.receive(headers: WebhookFixtures.headers(body: body, deliveryID: deliveryID), body: body)
    }

    /// `payload`'s JSON with `edit` applied to the top-level object (e.g. `changes` added).
    static func json(_ payload: PullRequestPayload, _ edit: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        var root = try #require(try JSONSerialization.jsonObject(with: payload.json()) as? [String: Any])
        edit(&root)
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }

    @Test(arguments: ["opened", "reopened", "closed", "synchronize", "labeled", "unlabeled", "edited"])
    func aReplayedBodyUnderAFreshDeliveryIDIsADuplicateAppliedOnce(action: String) async throws {
        let body = try PullRequestPayload(action: action, labels: ["bug"]).json()
        let intake = makeIntake()

        let first = await deliver(body, as: "original", to: intake)
        let replays = [await deliver(body, as: "replay-1", to: intake), await deliver(body, as: "replay-2", to: intake)]

        #expect(first.status == 202 && first.outcome == "accepted")
        for replay in replays {
            #expect(replay.status == 202)
            #expect(replay.outcome == "duplicate")
            #expect(try JSONSerialization.jsonObject(with: replay.body) as? [String: String]
                == ["outcome": "duplicate", "message": "delivery already recorded", "delivery": replay.deliveryID ?? ""])
        }
        #expect(await inbox.pending(key: "acme/webapp#7").map(\.deliveryID) == ["original"])
        #expect(await recorded.keys == ["acme/webapp#7"])  // the worker was woken once
    }

    /// Same content re-serialised (other key order and whitespace, signed again): still the same
    /// event, so still a duplicate; the key is made from what the payload says, not its bytes.
    @Test func theSameContentReencodedIsADuplicate() async throws {
        let payload = PullRequestPayload(action: "closed", labels: ["b", "a"])
        let intake = makeIntake()
        let compact = try payload.json()
        let pretty = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: compact), options: [.prettyPrinted, .withoutEscapingSlashes])
        #expect(compact != pretty)

        #expect(await deliver(compact, as: "d-1", to: intake).outcome == "accepted")
        #expect(await deliver(pretty, as: "d-2", to: intake).outcome == "duplicate")
        #expect(await inbox.pending(key: "acme/webapp#7").count == 1)
    }

    /// Twenty copies of one body racing under fresh ids: one recorded, nineteen duplicates.
    @Test func concurrentReplaysAreRecordedOnce() async throws {
        let body = try PullRequestPayload(action: "reopened").json()
        let intake = makeIntake()
        let outcomes = await withTaskGroup(of: String.self) { group in
            for index in 0..<20 {
                group.addTask { await deliver(body, as: "copy-\(index)", to: intake).outcome }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "accepted" }.count == 1)
        #expect(outcomes.filter { $0 == "duplicate" }.count == 19)
        #expect(await inbox.pending(key: "acme/webapp#7").count == 1)
    }

    /// Real events of one second that differ in what they say are each recorded: the content key
    /// holds everything that tells them apart.
    @Test func distinctEventsOfOneSecondAreNeverMerged() async throws {
        let at = WebhookFixtures.timestamp(10)
        let bodies: [Data] = [
            try PullRequestPayload(action: "labeled", labels: ["a"], changedLabel: "a", updatedAt: at).json(),
            try PullRequestPayload(action: "labeled", labels: ["a", "b"], changedLabel: "b", updatedAt: at).json(),
            try PullRequestPayload(action: "unlabeled", labels: ["a"], changedLabel: "b", updatedAt: at).json(),
            // The label set equal to an earlier one, but another label named: a different event.
            try PullRequestPayload(action: "labeled", labels: ["a"], changedLabel: "c", updatedAt: at).json(),
            try PullRequestPayload(action: "synchronize", labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "synchronize", headSHA: String(repeating: "b", count: 40), labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "closed", labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "reopened", labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "reopened", number: 8, labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "reopened", repository: "acme/other", labels: ["a"], updatedAt: at).json(),
            try PullRequestPayload(action: "edited", labels: ["a"], updatedAt: at).json(),
            try Self.json(PullRequestPayload(action: "edited", labels: ["a"], updatedAt: at)) {
                $0["changes"] = ["title": ["from": "Old title"]]
            },
            try Self.json(PullRequestPayload(action: "edited", labels: ["a"], updatedAt: at)) {
                $0["changes"] = ["base": ["ref": ["from": "develop"]]]
            },
            try PullRequestPayload(action: "reopened", labels: ["a"], updatedAt: WebhookFixtures.timestamp(11)).json(),
        ]
        let intake = makeIntake()
        var outcomes: [String] = []
        for (index, body) in bodies.enumerated() { outcomes.append(await deliver(body, as: "d-\(index)", to: intake).outcome) }
        #expect(outcomes == Array(repeating: "accepted", count: bodies.count))
    }

    /// The key is a SHA-256 digest: fixed length, hex, whatever hostile text the PR brings.
    @Test func theContentKeyIsAFixedLengthDigest() throws {
        let hostile = PullRequestPayload(action: "labeled", headRef: "x\u{0}\n';--", labels: ["\"],[\"", "🙂"], changedLabel: "\"],[\"")
        let body = try hostile.json()
        let key = try PullRequestEvent.decode(from: body).contentKey(event: "pull_request")
        #expect(key.count == 64)
        #expect(key.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }
}
