import Foundation
import GitHub
import Orchestrator
@testable import Supervisor
import Testing
import WebhookSupport

/// Intake's decoded events reach the worker only for exactly the payload recorded, and nothing
/// stays behind for deliveries not recorded.
@Suite struct DecodedEventsTests {
    @Test func anEventIsTakenOnceAndOnlyForTheSamePayload() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload(action: "opened").json()
        let event = try PullRequestEvent.decode(from: body)
        events.keep(event, payload: body, deliveryID: "d1")
        #expect(events.take(deliveryID: "d1", payload: body) == event)
        #expect(events.take(deliveryID: "d1", payload: body) == nil, "taken once")

        events.keep(event, payload: body, deliveryID: "d2")
        let other = try PullRequestPayload(action: "closed").json()
        #expect(events.take(deliveryID: "d2", payload: other) == nil, "another body under the same id is read from the inbox")
        #expect(events.count == 0)
    }

    @Test func keepsAtMostItsCapacity() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let event = try PullRequestEvent.decode(from: body)
        for index in 0..<(DecodedEvents.capacity + 10) { events.keep(event, payload: body, deliveryID: "d\(index)") }
        #expect(events.count == DecodedEvents.capacity)
        #expect(events.take(deliveryID: "d0", payload: body) == nil, "the oldest went first")
        #expect(events.take(deliveryID: "d\(DecodedEvents.capacity + 9)", payload: body) == event)

        let large = Data(repeating: 0x20, count: DecodedEvents.maxBytes / 3)
        let bounded = DecodedEvents()
        for index in 0..<4 { bounded.keep(event, payload: large, deliveryID: "l\(index)") }
        #expect(bounded.count == 3, "at most maxBytes of payloads")
        bounded.keep(event, payload: Data(count: DecodedEvents.maxBytes + 1), deliveryID: "huge")
        #expect(bounded.count == 3, "a payload over the bound is not kept")
    }

    @Test func droppingForgetsOneRequestsEntryOnly() throws {
        let events = DecodedEvents()
        let body = try PullRequestPayload().json()
        let event = try PullRequestEvent.decode(from: body)
        events.keep(event, payload: body, deliveryID: "same")  // the request that is recorded
        events.keep(event, payload: body, deliveryID: "same")  // its concurrent duplicate
        events.drop(deliveryID: "same", payload: body)
        #expect(events.take(deliveryID: "same", payload: body) == event)
    }

    @Test func intakeHandsOverWhatItRecordsAndNothingElse() async throws {
        let events = DecodedEvents()
        let inbox = InMemoryEventInbox()
        let intake = WebhookIntake(secret: WebhookFixtures.secret, inbox: inbox, isRelevant: { _ in true }, onRecorded: { _ in },
                                   decoded: events)
        let body = try PullRequestPayload(action: "opened").json()
        let first = await intake.receive(headers: WebhookFixtures.headers(body: body, deliveryID: "first"), body: body)
        #expect(first.outcome == "accepted")
        let recorded = try #require(await inbox.pending(key: "acme/webapp#7").first)
        #expect(events.take(deliveryID: recorded.deliveryID, payload: recorded.payload) == (try PullRequestEvent.decode(from: body)))

        let replay = await intake.receive(headers: WebhookFixtures.headers(body: body, deliveryID: "replay"), body: body)
        #expect(replay.outcome == "duplicate")
        #expect(events.count == 0, "a duplicate leaves nothing behind")
    }
}
