import Blueprint
import Foundation
import Hummingbird
import HummingbirdTesting
import Orchestrator
import PrenvApp
import Synchronization
import Testing
import WebhookSupport

/// `GET /readyz` (traffic yes or no) beside `GET /healthz` (the process answers), and the webhook's
/// answer while draining, in-process over the application `buildApplication` makes.
@Suite struct ReadinessRouteTests {
    /// A state store that can be "taken down" and back up: the probe fails while it is down, as a
    /// query to an unreachable PostgreSQL does.
    final class Switch: Sendable {
        let down = Mutex(false)
        func probe() throws {
            if down.withLock({ $0 }) { throw StoreUnreadable() }
        }
    }

    static func application(_ fixture: ServeFixture, lifecycle: ServeLifecycle, store: Switch) throws -> some ApplicationProtocol {
        let blueprint = try BlueprintLoader.parse(yaml: ServeFixture.blueprint, file: "webapp.yaml", kinds: Composition.kinds)
        var parts = ServeParts(blueprints: [blueprint], store: fixture.store, workers: fixture.workers, inbox: fixture.inbox,
                               operations: fixture.operations, statusPoster: DiscardedStatuses())
        parts.probeStore = { try store.probe() }
        return buildApplication(settings: fixture.settings, parts: parts, lifecycle: lifecycle)
    }

    static func readyz(_ client: some TestClientProtocol) async throws -> (status: HTTPResponse.Status, body: [String: String]) {
        let response = try await client.execute(uri: "/readyz", method: .get)
        #expect(response.headers[.contentType] == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: String])
        return (response.status, body)
    }

    @Test func readyWhileTheStoreAnswersNotReadyWhileItIsDownAndReadyAgainAfter() async throws {
        let fixture = try ServeFixture()
        let store = Switch()
        try await Self.application(fixture, lifecycle: ServeLifecycle(), store: store).test(.router) { client in
            let up = try await Self.readyz(client)
            #expect(up.status == .ok)
            #expect(up.body == ["status": "ready"])
            store.down.withLock { $0 = true }
            let down = try await Self.readyz(client)
            #expect(down.status == .serviceUnavailable)
            #expect(down.body == ["status": "not ready", "reason": "state store unreachable; see prenv's log"])
            // The store's own error (a path here) stays in the log.
            #expect(!(down.body["reason"] ?? "").contains("/var/lib"))
            // Liveness is not readiness: the process answers.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            store.down.withLock { $0 = false }
            #expect(try await Self.readyz(client).status == .ok)
        }
    }

    @Test func drainingAnswers503OnReadinessAndOnWebhooksAndRecordsNothing() async throws {
        let fixture = try ServeFixture()
        let lifecycle = ServeLifecycle()
        try await Self.application(fixture, lifecycle: lifecycle, store: Switch()).test(.router) { client in
            #expect(try await Self.readyz(client).status == .ok)
            lifecycle.beginDraining()
            let readiness = try await Self.readyz(client)
            #expect(readiness.status == .serviceUnavailable)
            #expect(readiness.body == ["status": "not ready", "reason": "draining: prenv is shutting down"])
            let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(action: "opened", repository: "acme/webapp", number: 7),
                                                           deliveryID: "d-drain")
            let response = try await ServeRoutesTests.post(delivery, to: client)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "30")
            #expect(try ServeRoutesTests.json(response)["delivery"] == "d-drain")
            #expect(await fixture.inbox.appended.isEmpty)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
    }
}
