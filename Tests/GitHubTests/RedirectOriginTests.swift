import Foundation
import HTTPTransport
import TestServices
import Testing

/// `CurlTransport` against two real local listeners: a redirect to another origin comes back
/// as the 3xx (the `Authorization` header never reaches the other listener), one within the origin
/// is followed.
@Suite struct RedirectOriginTests {
    /// Two HTTP listeners in one Python process. The first answers `/cross` with a 302 to the second,
    /// `/same` with a 302 to its own `/landing`, `/landing` with whether it saw `Authorization`, and
    /// `/foreign` with the second's URL. The second counts requests carrying `Authorization` (`/seen`).
    static let script = #"""
import http.server, json, sys, threading
ready = sys.argv[sys.argv.index("--ready-file") + 1]
seen = {"authorized": 0, "requests": 0}
class Foreign(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path != "/seen":
            seen["requests"] += 1
            if self.headers.get("Authorization"): seen["authorized"] += 1
        body = json.dumps(seen).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
foreign = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Foreign)
foreign_url = "http://127.0.0.1:%d" % foreign.server_address[1]
class Origin(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path in ("/cross", "/same"):
            target = foreign_url + "/landing" if self.path == "/cross" else "/landing"
            self.send_response(302); self.send_header("Location", target); self.send_header("Content-Length", "0"); self.end_headers(); return
        body = json.dumps({"authorized": bool(self.headers.get("Authorization")), "foreign": foreign_url}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
for server in (foreign, origin): threading.Thread(target=server.serve_forever, daemon=True).start()
open(ready, "w").write(json.dumps({"url": "http://127.0.0.1:%d" % origin.server_address[1]}))
threading.Event().wait()
"""#

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
    }

    @Test func aRedirectToAnotherOriginIsReturnedNotFollowed() async throws {
        let listeners = try await ServiceProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", Self.script], hint: "python3", output: nil)
        defer { listeners.stop() }
        let transport = CurlTransport()
        let info = try json(try await transport.send(HTTPRequest(method: "GET", url: listeners.url.appendingPathComponent("info"))))
        let foreign = try #require((info["foreign"] as? String).flatMap(URL.init(string:)))

        let answer = try await transport.send(HTTPRequest(method: "GET", url: listeners.url.appendingPathComponent("cross"),
                                                          headers: ["Authorization": "Bearer ghs_secret"]))
        #expect(answer.status == 302, "the 3xx comes back to the caller")
        #expect(answer.headers["Location"] == foreign.absoluteString + "/landing")
        let seen = try json(try await transport.send(HTTPRequest(method: "GET", url: foreign.appendingPathComponent("seen"))))
        #expect(seen["requests"] as? Int == 0 && seen["authorized"] as? Int == 0, "the other origin was never asked: \(seen)")
    }

    @Test func aRedirectWithinTheOriginIsFollowed() async throws {
        let listeners = try await ServiceProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", Self.script], hint: "python3", output: nil)
        defer { listeners.stop() }
        let answer = try await CurlTransport().send(HTTPRequest(method: "GET", url: listeners.url.appendingPathComponent("same"),
                                                                      headers: ["Authorization": "Bearer ghs_secret"]))
        #expect(answer.status == 200)
        #expect(try json(answer)["authorized"] as? Bool == true, "same origin keeps its headers")
    }

    @Test(arguments: [
        ("https://api.github.com/a", "https://api.github.com/b", true),
        ("https://api.github.com/a", "https://API.github.com:443/b", true),
        ("https://api.github.com/a", "http://api.github.com/b", false),
        ("http://127.0.0.1:8080/a", "https://127.0.0.1:8080/b", false),
        ("https://api.github.com/a", "https://evil.example/b", false),
        ("http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", false),
        ("https://api.github.com/a", "https://api.github.com.evil.example/a", false),
    ])
    func originRule(from: String, to: String, allowed: Bool) throws {
        let from = try #require(URL(string: from)), to = try #require(URL(string: to))
        #expect(SameOriginRedirects.allows(from: from, to: to) == allowed)
    }
}
