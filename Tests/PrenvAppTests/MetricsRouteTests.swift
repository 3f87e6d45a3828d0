import Foundation
import Hummingbird
import HummingbirdTesting
import Orchestrator
import Supervisor
import Testing
import WebServer

/// `GET /metrics` in-process: the `/api/*` access rule, the Prometheus content type, the gauges
/// sampled before the exposition is rendered, and a failed sample still answered.
@Suite struct MetricsRouteTests {
    static let token = "5c1f0e9d8b7a6c5e4f3a2b1c0d9e8f7a"

    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var samples = 0
        func sampled() { lock.withLock { samples += 1 } }
        var count: Int { lock.withLock { samples } }
    }

    static func router(api: APIAccess, calls: Calls, sampleFails: Bool = false) -> Router<BasicRequestContext> {
        let intake = WebhookIntake(secret: "s", inbox: InMemoryEventInbox(), isRelevant: { _ in false }, onRecorded: { _ in })
        let metrics = MetricsExposition(sample: {
            calls.sampled()
            if sampleFails { throw CocoaError(.fileReadNoSuchFile) }
        }, render: { Array("# TYPE prenv_x_total counter\nprenv_x_total \(calls.count)\n".utf8) })
        return PrenvRouter.make(intake: intake, maxBodyBytes: 1024, environments: { Data("{}".utf8) }, health: { true }, api: api, metrics: metrics)
    }

    static func get(_ client: some TestClientProtocol, authorization: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/metrics", method: .get, headers: headers)
    }

    @Test func theTokenIsRequiredWhenSet() async throws {
        let calls = Calls()
        try await Application(router: Self.router(api: .token(Self.token), calls: calls)).test(.router) { client in
            let missing = try await Self.get(client)
            let wrong = try await Self.get(client, authorization: "Bearer wrong")
            #expect(missing.status == .unauthorized && wrong.status == .unauthorized)
            #expect(calls.count == 0, "a refused scrape samples nothing")
            let response = try await Self.get(client, authorization: "Bearer \(Self.token)")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            #expect(String(buffer: response.body) == "# TYPE prenv_x_total counter\nprenv_x_total 1\n", "sampled before rendering")
        }
    }

    @Test func withoutATokenOnlyALoopbackListenerServesIt() async throws {
        try await Application(router: Self.router(api: .refused, calls: Calls())).test(.router) { client in
            let response = try await Self.get(client)
            #expect(response.status == .forbidden)
        }
        try await Application(router: Self.router(api: .loopbackOnly, calls: Calls())).test(.router) { client in
            let response = try await Self.get(client)
            #expect(response.status == .ok)
        }
    }

    @Test func aFailedSampleStillAnswersWithTheCounters() async throws {
        try await Application(router: Self.router(api: .loopbackOnly, calls: Calls(), sampleFails: true)).test(.router) { client in
            let response = try await Self.get(client)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("prenv_x_total 1"))
        }
    }
}
