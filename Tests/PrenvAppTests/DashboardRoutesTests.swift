import Foundation
import Hummingbird
import HummingbirdTesting
import Orchestrator
import PrenvApp
import Testing

/// `GET /` and `GET /environments/OWNER/NAME/PR/BLUEPRINT` in-process: the `/api/*` access rule,
/// the headers that keep the pages inert, and 404 for what is not there.
@Suite struct DashboardRoutesTests {
    static let token = "5b1e9c3a7d2f4e6a8c0b1d3f5a7c9e2b"
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")

    static func store() -> InMemoryStateStore {
        let node = NodeRecord(id: "artifacts", type: "aws/s3-prefix", status: .created, physicalName: "s3://acme-previews/webapp/pr-7/",
                              updatedAt: Date(timeIntervalSince1970: 1_796_000_000))
        return InMemoryStateStore([EnvironmentRecord(key: key, envName: "webapp-webapp-pr7", headSHA: String(repeating: "a", count: 40),
                                                     state: .ready(sha: String(repeating: "a", count: 40)), nodes: ["artifacts": node],
                                                     updatedAt: Date(timeIntervalSince1970: 1_796_000_000))])
    }

    static func get(_ uri: String, authorization: String? = nil, from client: some TestClientProtocol) async throws -> TestResponse {
        var headers = HTTPFields()
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: uri, method: .get, headers: headers)
    }

    /// The headers every dashboard answer carries, refusals included.
    static func expectInert(_ response: TestResponse, _ uri: String) {
        #expect(response.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'") == true, "\(uri)")
        #expect(response.headers[.contentSecurityPolicy]?.contains("script-src") == false, "no script source at all: \(uri)")
        #expect(response.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
        #expect(response.headers[HTTPFields.Element.Name("Referrer-Policy")!] == "no-referrer", "\(uri)")
        #expect(response.headers[.cacheControl] == "no-store", "\(uri)")
    }

    @Test func bothPagesAreHTMLWithTheSecurityHeaders() async throws {
        try await ServeFixture(store: Self.store(), host: "127.0.0.1").application().test(.router) { client in
            for uri in ["/", "/environments/acme/webapp/7/webapp"] {
                let response = try await Self.get(uri, from: client)
                #expect(response.status == .ok, "\(uri)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(uri)")
                Self.expectInert(response, uri)
                let html = String(buffer: response.body)
                #expect(html.hasPrefix("<!doctype html>") && html.contains("<meta name=\"viewport\""), "\(uri)")
                #expect(html.contains("acme/webapp") && html.contains("aaaaaaaaaaaa"), "\(uri)")
            }
            let list = String(buffer: try await Self.get("/", from: client).body)
            #expect(list.contains("href=\"/environments/acme/webapp/7/webapp\""), "the list links the page")
            let page = String(buffer: try await Self.get("/environments/acme/webapp/7/webapp", from: client).body)
            #expect(page.contains("data-node=\"artifacts\"") && page.contains("s3://acme-previews/webapp/pr-7/"))
        }
    }

    @Test func withATokenSetThePagesNeedIt() async throws {
        let fixture = try ServeFixture(store: Self.store(), host: "0.0.0.0", environment: ["PRENV_API_TOKEN": Self.token])
        try await fixture.application().test(.router) { client in
            for uri in ["/", "/environments/acme/webapp/7/webapp"] {
                for authorization in [nil, "Bearer wrong", "Basic \(Self.token)"] {
                    let response = try await Self.get(uri, authorization: authorization, from: client)
                    #expect(response.status == .unauthorized, "\(uri) \(authorization ?? "no header")")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                    #expect(!String(buffer: response.body).contains("acme/webapp"), "nothing of the environments")
                    Self.expectInert(response, uri)
                }
                let allowed = try await Self.get(uri, authorization: "Bearer \(Self.token)", from: client)
                #expect(allowed.status == .ok, "\(uri)")
            }
        }
    }

    @Test(arguments: ["0.0.0.0", "10.0.0.5"])
    func withoutATokenOffLoopbackThePagesAnswer403(host: String) async throws {
        try await ServeFixture(store: Self.store(), host: host).application().test(.router) { client in
            for uri in ["/", "/environments/acme/webapp/7/webapp"] {
                let response = try await Self.get(uri, from: client)
                #expect(response.status == .forbidden, "\(uri)")
                #expect(String(buffer: response.body).contains("PRENV_API_TOKEN"))
                #expect(!String(buffer: response.body).contains("acme/webapp"))
            }
        }
    }

    @Test(arguments: [
        "/environments/acme/webapp/8/webapp",  // no such PR
        "/environments/acme/webapp/7/other",  // no such blueprint
        "/environments/acme/other/7/webapp",
        "/environments/acme/webapp/007/webapp",  // not the canonical number
        "/environments/acme/webapp/-7/webapp",
        "/environments/acme/webapp/x/webapp",
        "/environments/ac%20me/webapp/7/webapp",  // not a GitHub login
        "/environments/acme/..%2Fwebapp/7/webapp",
        "/environments/acme/webapp/7/Web_App",  // not a blueprint name
        "/environments/acme%2Fwebapp/7/webapp",
    ])
    func anythingElseIs404(uri: String) async throws {
        try await ServeFixture(store: Self.store(), host: "127.0.0.1").application().test(.router) { client in
            let response = try await Self.get(uri, from: client)
            #expect(response.status == .notFound, "\(uri)")
            #expect(!String(buffer: response.body).contains("<"), "a plain-text answer that echoes nothing: \(uri)")
        }
    }

    @Test func anUnreadableStoreIs500WithoutDetail() async throws {
        try await ServeFixture(store: UnreadableStateStore(), host: "127.0.0.1").application().test(.router) { client in
            let response = try await Self.get("/", from: client)
            #expect(response.status == .internalServerError)
            #expect(String(buffer: response.body) == "Cannot read the state store; see prenv's log.\n")
            Self.expectInert(response, "/")
        }
    }
}
