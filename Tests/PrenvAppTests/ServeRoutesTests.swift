import Foundation
import HTTPTransport
import Hummingbird
import HummingbirdTesting
import Orchestrator
import PrenvApp
import Testing
import WebhookSupport

/// The HTTP routes of `prenv serve`, in-process: the application `buildApplication` makes (the
/// same the binary runs), over in-memory state, through Hummingbird's test client.
@Suite struct ServeRoutesTests {
    static func post(_ delivery: (headers: HTTPTransport.HTTPHeaders, body: Data), to client: some TestClientProtocol) async throws -> TestResponse {
        try await client.execute(uri: "/webhooks/github", method: .post, headers: HTTPFields(delivery.headers), body: ByteBuffer(bytes: delivery.body))
    }

    static func json(_ response: TestResponse) throws -> [String: String] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String])
    }

    /// Polls `condition` for up to two seconds: the worker runs after the 202, not before it.
    static func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func aSignedPullRequestIsAcceptedRecordedAndHandedToAWorker() async throws {
        let fixture = try ServeFixture()
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(action: "opened", repository: "acme/webapp", number: 7), deliveryID: "d-1")
        try await fixture.application().test(.router) { client in
            let response = try await Self.post(delivery, to: client)
            #expect(response.status == .accepted)
            #expect(response.headers[.contentType] == "application/json")
            #expect(String(buffer: response.body) == #"{"delivery":"d-1","message":"opened for acme\/webapp#7 recorded","outcome":"accepted"}"#)
            #expect(await fixture.inbox.appended == ["d-1"])
            let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")
            #expect(try await Self.eventually { await fixture.operations.applied == [key] })
        }
    }

    @Test func aRedeliveryIsADuplicateAndRecordedOnce() async throws {
        let fixture = try ServeFixture()
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(), deliveryID: "d-2")
        try await fixture.application().test(.router) { client in
            #expect(try await Self.json(Self.post(delivery, to: client))["outcome"] == "accepted")
            let again = try await Self.post(delivery, to: client)
            #expect(again.status == .accepted)
            #expect(try Self.json(again) == ["outcome": "duplicate", "message": "delivery already recorded", "delivery": "d-2"])
            #expect(await fixture.inbox.appended == ["d-2"])
        }
    }

    @Test func aWrongSignatureIsRefusedAndNothingIsRecorded() async throws {
        let fixture = try ServeFixture()
        let forged = try WebhookFixtures.pullRequest(PullRequestPayload(), signingSecret: "not the secret")
        let unsigned = try WebhookFixtures.pullRequest(PullRequestPayload(), signingSecret: nil)
        try await fixture.application().test(.router) { client in
            for delivery in [forged, unsigned] {
                let response = try await Self.post(delivery, to: client)
                #expect(response.status == .unauthorized)
                #expect(try Self.json(response)["outcome"] == "error")
            }
            #expect(await fixture.inbox.appended.isEmpty)
            #expect(await fixture.operations.applied.isEmpty)
        }
    }

    @Test func aBodyOverTheLimitGets413WithTheOutcomeBody() async throws {
        let fixture = try ServeFixture()
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload())
        try await fixture.application(maxBodyBytes: 1024).test(.router) { client in
            let response = try await Self.post(delivery, to: client)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/json")
            #expect(String(buffer: response.body) == #"{"message":"body is larger than 1024 bytes","outcome":"error"}"#)
            #expect(await fixture.inbox.appended.isEmpty)
        }
    }

    @Test func aMalformedBodyGets400() async throws {
        let fixture = try ServeFixture()
        let body = Data("{".utf8)
        try await fixture.application().test(.router) { client in
            let response = try await Self.post((WebhookFixtures.headers(body: body, deliveryID: "d-3"), body), to: client)
            #expect(response.status == .badRequest)
            let object = try Self.json(response)
            #expect(object["outcome"] == "error")
            #expect(object["delivery"] == "d-3")
            #expect(await fixture.inbox.appended.isEmpty)
        }
    }

    @Test func aPingIsAnsweredWithPong() async throws {
        let fixture = try ServeFixture()
        let ping = try WebhookFixtures.event("ping", fixture: "ping/payload.json", deliveryID: "d-4")
        try await fixture.application().test(.router) { client in
            let response = try await Self.post(ping, to: client)
            #expect(response.status == .ok)
            #expect(try Self.json(response) == ["outcome": "pong", "message": "prenv is listening", "delivery": "d-4"])
        }
    }

    @Test func healthzSaysOK() async throws {
        try await ServeFixture().application().test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
        }
    }
}
