import Foundation
import GitHub
import Orchestrator
@testable import Supervisor
import Testing
import WebhookSupport

/// Intake's decoded events reach the worker only for the recording they were decoded from, and
/// nothing stays behind for deliveries not recorded.
@Suite struct DecodedEventsTests {
    /// The header the inbox reports for a delivery of `body` under `id` with `content`.
    func header(_ id: String, content: String = "c", bytes: Int, sequence: Int64 = 1) -> InboxEventHeader {
        InboxEventHeader(deliveryID: id, contentKey: content, event: "pull_request", key: "acme/webapp#7", payloadBytes: bytes,
                         receivedAt: Date(timeIntervalSince1970: 0), sequence: sequence)
    }

    @Test func anEventIsTakenOnceAndOnlyForTheSameRecording() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload(action: "opened").json()
        let event = try PullRequestEvent.decode(from: body)
        events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "d1")
        #expect(events.take(header("d1", bytes: body.count)) == event)
        #expect(events.take(header("d1", bytes: body.count)) == nil, "taken once")

        events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "d2")
        #expect(events.take(header("d2", content: "other", bytes: body.count)) == nil, "other content under the same id is read from the inbox")
        #expect(events.take(header("d2", bytes: body.count + 1)) == nil, "another length under the same id is read from the inbox")
        #expect(events.take(header("d3", bytes: body.count)) == nil, "another id")
        #expect(events.take(header("d2", bytes: body.count)) == event, "still there for its own recording")
        #expect(events.count == 0)
    }

    @Test func keepsAtMostItsCapacityAndBytes() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let event = try PullRequestEvent.decode(from: body)
        for index in 0..<(DecodedEvents.capacity + 10) { events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "d\(index)") }
        #expect(events.count == DecodedEvents.capacity)
        #expect(events.take(header("d9", bytes: body.count)) == nil, "the oldest went first")
        #expect(events.take(header("d10", bytes: body.count)) == event)
        #expect(events.take(header("d\(DecodedEvents.capacity + 9)", bytes: body.count)) == event)

        // An edit's `changes` can hold a long old body: such an event counts its payload's length.
        var edited = event
        edited.changes = .object(["body": .object(["from": .string("old")])])
        let large = DecodedEvents.maxBytes / 3
        let bounded = DecodedEvents()
        for index in 0..<4 { bounded.keep(edited, contentKey: "c", payloadBytes: large, deliveryID: "l\(index)") }
        #expect(bounded.count == 2, "at most maxBytes held")
        bounded.keep(edited, contentKey: "c", payloadBytes: DecodedEvents.maxBytes + 1, deliveryID: "huge")
        #expect(bounded.count == 2, "an event over the bound is not kept")
        for index in 0..<4 { bounded.keep(event, contentKey: "c", payloadBytes: large, deliveryID: "s\(index)") }
        #expect(bounded.count == 6, "without changes, a long payload costs its event only")
    }

    /// Taken entries leave their place in the eviction order behind; that order must not grow
    /// without bound while the workers keep up.
    @Test func aLongRunTheWorkersKeepUpWithStaysBounded() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let event = try PullRequestEvent.decode(from: body)
        events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "never-taken")
        for index in 0..<(DecodedEvents.capacity * 5) {
            events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "d\(index)")
            #expect(events.take(header("d\(index)", bytes: body.count)) == event)
        }
        #expect(events.count == 0, "the one never taken was dropped once the order reached its bound")
        #expect(events.orderLength == 0, "and with it every place behind it")
    }

    /// Taken in the order kept (the workers keeping up with a burst), nothing stays behind.
    @Test func aDrainedBurstLeavesNoPlacesBehind() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let event = try PullRequestEvent.decode(from: body)
        for index in 0..<100 { events.keep(event, contentKey: "c", payloadBytes: body.count, deliveryID: "d\(index)") }
        for index in (0..<100).reversed() where index % 2 == 1 { #expect(events.take(header("d\(index)", bytes: body.count)) == event) }
        #expect(events.orderLength == 100, "the oldest is still kept, so every place after it stays")
        for index in 0..<100 where index % 2 == 0 { #expect(events.take(header("d\(index)", bytes: body.count)) == event) }
        #expect(events.count == 0 && events.orderLength == 0)
    }

    @Test func droppingForgetsOneRequestsEntryOnly() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let recorded = try PullRequestEvent.decode(from: body)
        var other = recorded
        other.pullRequest.head.ref = "elsewhere"  // outside the content key, so only the request tells them apart
        events.keep(recorded, contentKey: "c", payloadBytes: body.count, deliveryID: "same")  // the request that is recorded
        let duplicate = try #require(events.keep(other, contentKey: "c", payloadBytes: body.count, deliveryID: "same"))
        events.drop(duplicate)  // its concurrent duplicate, answered first
        #expect(events.take(header("same", bytes: body.count)) == recorded)
        #expect(events.count == 0)
    }

    /// The HMAC does not cover `X-GitHub-Delivery`: another signed body sent under the id of a
    /// delivery in flight must not stand in for it, whichever request is answered first.
    @Test func twoRequestsUnderOneIdMakeTheWorkerReadTheInbox() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let recorded = try PullRequestEvent.decode(from: body)
        var other = recorded
        other.pullRequest.head.ref = "elsewhere"
        events.keep(recorded, contentKey: "c", payloadBytes: body.count, deliveryID: "same")
        let second = try #require(events.keep(other, contentKey: "c", payloadBytes: body.count, deliveryID: "same"))
        #expect(events.take(header("same", bytes: body.count)) == nil, "ambiguous: read from the inbox")
        #expect(events.count == 0, "both forgotten")
        events.drop(second)  // the other request, answered "duplicate" after the worker looked
        #expect(events.count == 0)
    }

    @Test func intakeHandsOverWhatItRecordsAndNothingElse() async throws {
        let events = DecodedEvents()
        let inbox = InMemoryEventInbox()
        let intake = WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { _ in true }, onRecorded: { _ in },
                                   decoded: events)
        let body = try PullRequestPayload(action: "opened").json()
        let first = await intake.receive(headers: WebhookFixtures.headers(body: body, deliveryID: "first"), body: body)
        #expect(first.outcome == "accepted")
        let recorded = try #require(await inbox.pendingHeaders(key: "acme/webapp#7").first)
        #expect(events.take(recorded) == (try PullRequestEvent.decode(from: body)))

        let replay = await intake.receive(headers: WebhookFixtures.headers(body: body, deliveryID: "replay"), body: body)
        #expect(replay.outcome == "duplicate")
        #expect(events.count == 0, "a duplicate leaves nothing behind")
    }
}
