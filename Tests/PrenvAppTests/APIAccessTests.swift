import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PrenvApp
@testable import WebServer
import LogCapture
import Testing
import WebhookSupport

/// `/api/*` behind `PRENV_API_TOKEN`, in-process: the token when set, loopback-only when not;
/// `/healthz` and `/webhooks/github` answer as before either way.
@Suite struct APIAccessTests {
    static let token = "3f9c1d7e0b2a4c6e8f1a3b5d7c9e0f2a"

    static func get(_ uri: String, authorization: String? = nil, from client: some TestClientProtocol) async throws -> TestResponse {
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    @Test func withATokenSetTheAPIRefusesMissingAndWrongTokens() async throws {
        let fixture = try ServeFixture(environment: ["PRENV_API_TOKEN": Self.token])
        try await fixture.application().test(.router) { client in
            for authorization in [nil, "Bearer wrong", "Bearer \(Self.token)x", "Basic \(Self.token)", Self.token, "Bearer "] {
                let response = try await Self.get("/api/environments", authorization: authorization, from: client)
                #expect(response.status == .unauthorized, "\(authorization ?? "no header")")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(String(buffer: response.body) == #"{"message":"missing or wrong bearer token","outcome":"error"}"#)
            }
        }
    }

    @Test func withTheRightTokenTheAPIAnswers() async throws {
        let fixture = try ServeFixture(host: "0.0.0.0", environment: ["PRENV_API_TOKEN": Self.token])
        try await fixture.application().test(.router) { client in
            let response = try await Self.get("/api/environments", authorization: "Bearer \(Self.token)", from: client)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains(#""environments""#))
        }
    }

    @Test func withoutATokenOnALoopbackAddressTheAPIIsServed() async throws {
        let fixture = try ServeFixture(host: "127.0.0.1")
        try await fixture.application().test(.router) { client in
            let response = try await Self.get("/api/environments", from: client)
            #expect(response.status == .ok)
        }
    }

    /// A page the operator visits can rebind its name to 127.0.0.1 (DNS rebinding); its requests
    /// then name that page's host, and are refused without a token. Loopback names are served.
    /// (In-process requests always name `localhost`, so the rule is checked directly.)
    @Test func withoutATokenOnLoopbackOnlyLoopbackHostNamesAreServed() {
        let open = APIAccess.loopbackOnly
        for host in ["127.0.0.1:8080", "localhost", "LOCALHOST:80", "[::1]:8080", "127.0.0.2", "127.255.0.1:1"] {
            #expect(open.refusal(authorization: nil, host: host) == nil, "\(host)")
        }
        for host in ["evil.example:8080", "127.0.0.1.evil.example", "localhost.evil.example", "[::2]", "127.0.0.256", "0.0.0.0", "[::1"] {
            #expect(open.refusal(authorization: nil, host: host)?.status == 403, "\(host)")
        }
        #expect(open.refusal(authorization: nil, host: nil) == nil, "no Host (HTTP/1.0): only this machine can connect")
        #expect(APIAccess.token(Self.token).refusal(authorization: "Bearer \(Self.token)", host: "prenv.example") == nil, "a token decides alone")
    }

    @Test(arguments: ["0.0.0.0", "::", "10.0.0.5", "prenv.internal"])
    func withoutATokenOnAnotherAddressTheAPIAnswers403(host: String) async throws {
        let fixture = try ServeFixture(host: host)
        try await fixture.application().test(.router) { client in
            let response = try await Self.get("/api/environments", from: client)
            #expect(response.status == .forbidden)
            #expect(String(buffer: response.body).contains("PRENV_API_TOKEN"))
        }
    }

    @Test func healthAndWebhooksNeedNoToken() async throws {
        let fixture = try ServeFixture(host: "0.0.0.0", environment: ["PRENV_API_TOKEN": Self.token])
        let delivery = try WebhookFixtures.pullRequest(PullRequestPayload(action: "opened", repository: "acme/webapp", number: 7), deliveryID: "d-9")
        try await fixture.application().test(.router) { client in
            let health = try await Self.get("/healthz", from: client)
            #expect(health.status == .ok)
            let response = try await ServeRoutesTests.post(delivery, to: client)
            #expect(response.status == .accepted)
        }
    }
}

/// The start-up log says how `/api/*` is guarded when no token is set.
@Suite struct APIAccessStartLogTests {
    static func startLines(host: String, environment: [String: String] = [:]) async throws -> [String] {
        let lines = CapturedLogs()
        let fixture = try ServeFixture(host: host, environment: environment)
        let app = try fixture.application(logger: lines.logger(label: "prenv.serve"))
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
        #expect(lines.all.contains { $0.contains("prenv serve listening") }, "the server started")
        #expect(!lines.all.contains { $0.contains(APIAccessTests.token) }, "the token is never logged")
        return lines.all.filter { $0.contains("no PRENV_API_TOKEN") }.map { $0.components(separatedBy: " [").first ?? $0 }
    }

    @Test func onLoopbackWithoutATokenItSaysTheAPIIsLoopbackOnly() async throws {
        #expect(try await Self.startLines(host: "127.0.0.1") == [
            "notice no PRENV_API_TOKEN: /api/* is served without a token because prenv listens on a loopback address only",
        ])
    }

    @Test func elsewhereWithoutATokenItSaysTheAPIIsRefused() async throws {
        #expect(try await Self.startLines(host: "0.0.0.0") == [
            "notice no PRENV_API_TOKEN: /api/* answers 403 because prenv listens on a non-loopback address; set PRENV_API_TOKEN to serve it",
        ])
    }

    @Test func withATokenNothingIsSaidAndTheTokenIsNeverLogged() async throws {
        #expect(try await Self.startLines(host: "127.0.0.1", environment: ["PRENV_API_TOKEN": APIAccessTests.token]) == [])
    }
}

@Suite struct APITokenSettingsTests {
    @Test func theTokenComesFromTheEnvironmentOrTheFileAndIsNeverPrinted() throws {
        let fromEnvironment = try ServeSettings.resolve(flags: .init(), environment: ["PRENV_WEBHOOK_SECRET": "s", "PRENV_API_TOKEN": "env-api-token"])
        #expect(fromEnvironment.apiToken == "env-api-token")
        #expect(!fromEnvironment.description.contains("env-api-token") && fromEnvironment.description.contains("api_token=<set>"))
        let file = (path: "prenv.yaml", text: "webhook_secret: s\napi_token: file-api-token\n")
        #expect(try ServeSettings.resolve(flags: .init(), environment: [:], configFile: file).apiToken == "file-api-token")
    }

    @Test(arguments: [("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("[::1]", true),
                      ("0.0.0.0", false), ("::", false), ("10.0.0.1", false), ("127.0.0.1.example.com", false), ("prenv.internal", false)])
    func loopbackIsDecidedFromTheListeningAddress(host: String, loopback: Bool) throws {
        let settings = try ServeSettings.resolve(flags: .init(host: host), environment: ["PRENV_WEBHOOK_SECRET": "s"])
        #expect(settings.listensOnLoopback == loopback)
    }
}
