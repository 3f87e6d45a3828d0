import Crypto
import Foundation
import HTTPTransport
import TestServices
import Testing

/// `CurlTransport` against a real local HTTP/1.1 listener (Python's `http.server`): what arrives is
/// what was sent (methods, bodies with NULs, empty ones, headers), what comes back is what was
/// answered, connections are reused, and the ways a request ends without an answer (timeout,
/// cancellation, a dropped connection, an oversized body, a header that could inject a line) each
/// come back as their own `HTTPTransportError` kind.
///
/// The bounds on elapsed time below are far from any figure (the slow answer comes after 30 s, the
/// bounds are 20 s): they tell the client's own timeout and cancellation from the server answering,
/// on a machine as loaded as CI's.
@Suite(.serialized) struct CurlTransportTests {
    /// `/echo` answers what it received as JSON (method, headers, body length and SHA-256);
    /// `/slow` answers after 30 s; `/drop` closes the connection without answering; `/big?n=N`
    /// answers N bytes; `/moved/S` answers status S with a Location back to `/echo`; `/connections` says how many distinct client connections it has seen.
    static let script = #"""
import hashlib, http.server, json, signal, sys, threading, time
# The test process may ignore or block SIGTERM (handled through a dispatch source), and both carry
# across exec: without this, stopping the listener waited 5 s for SIGKILL.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
ready = sys.argv[sys.argv.index("--ready-file") + 1]
peers = set()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self, status, body, extra=()):
        self.send_response(status)
        for name, value in extra: self.send_header(name, value)
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        peers.add(self.client_address)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        if path == "/slow":
            time.sleep(30); return self.answer(200, b"late")
        if path == "/drop":
            self.close_connection = True; self.wfile.flush(); self.connection.shutdown(2); return
        if path == "/big":
            return self.answer(200, b"x" * int(self.path.split("n=")[1]))
        if path.startswith("/moved/"):
            status = int(path.split("/")[2])
            return self.answer(status, b"", [("Location", "/echo/after-" + str(status))])
        if path == "/connections":
            return self.answer(200, json.dumps({"connections": len(peers)}).encode())
        echo = {"method": self.command, "path": self.path, "headers": [[k, v] for k, v in self.headers.items()],
                "length": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        self.answer(201, json.dumps(echo).encode(), [("X-Repeated", "one"), ("X-Repeated", "two"), ("X-Colon", "a: b")])
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
open(ready, "w").write(json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1]}))
threading.Event().wait()
"""#

    static func listener() async throws -> ServiceProcess {
        try await ServiceProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script], hint: "python3", output: nil)
    }

    struct Echo: Decodable {
        var method: String
        var path: String
        var headers: [[String]]
        var length: Int
        var sha256: String

        func header(_ name: String) -> [String] {
            headers.filter { $0.first?.lowercased() == name.lowercased() }.compactMap { $0.last }
        }
    }

    static func echo(_ response: HTTPResponse) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: response.body)
    }

    @Test func methodsBodiesAndHeadersArriveAsSent() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        var body = Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        body[10] = 0
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let response = try await transport.send(HTTPRequest(
                method: method, url: server.url.appendingPathComponent("echo").appending(queryItems: [URLQueryItem(name: "a", value: "b c")]),
                headers: ["X-Amz-Date": "20261203T000000Z", "X-Empty": "", "Content-Type": "application/x-amz-json-1.1"], body: body))
            #expect(response.status == 201)
            let echo = try Self.echo(response)
            #expect(echo.method == method)
            #expect(echo.path == "/echo?a=b%20c")
            #expect(echo.length == body.count, "\(method): the whole body, NULs included")
            #expect(echo.sha256 == SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined())
            #expect(echo.header("X-Amz-Date") == ["20261203T000000Z"])
            #expect(echo.header("X-Empty") == [""], "an empty header is sent empty, not dropped")
            #expect(echo.header("Content-Type") == ["application/x-amz-json-1.1"])
            #expect(echo.header("Expect").isEmpty, "no 100-continue round trip before a large body")
            #expect(response.headers.fields.filter { $0.name == "X-Repeated" }.map(\.value) == ["one", "two"])
            #expect(response.headers["X-Colon"] == "a: b")
        }
        let emptyPost = try Self.echo(try await transport.send(HTTPRequest(method: "POST", url: server.url.appendingPathComponent("echo"))))
        #expect(emptyPost.method == "POST" && emptyPost.length == 0 && emptyPost.header("Content-Length") == ["0"])
        let get = try Self.echo(try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("echo"))))
        #expect(get.method == "GET" && get.length == 0)
        let head = try await transport.send(HTTPRequest(method: "HEAD", url: server.url.appendingPathComponent("echo")))
        #expect(head.status == 201 && head.body.isEmpty && head.headers["Content-Length"] != nil)
        // Nothing libcurl would add on its own: no form Content-Type on a body, no Expect.
        let bare = try Self.echo(try await transport.send(HTTPRequest(method: "PUT", url: server.url.appendingPathComponent("echo"), body: Data("{}".utf8))))
        #expect(bare.header("Content-Type").isEmpty && bare.header("Expect").isEmpty, "\(bare.headers)")
        // A blank value is sent blank rather than making libcurl drop the header.
        let blank = try Self.echo(try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("echo"), headers: ["X-Blank": "  "])))
        #expect(blank.header("X-Blank") == [""])
    }

    @Test func thePathGoesOutAsSignedAndRedirectsKeepTheMethodUnlessHTTPSaysOtherwise() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        // An S3 key a build wrote: dot segments are not resolved away (the signature covers them).
        let dots = try Self.echo(try await transport.send(HTTPRequest(method: "GET", url: try #require(URL(string: server.url.absoluteString + "/echo/a/../b/./c")))))
        #expect(dots.path == "/echo/a/../b/./c")
        for (status, method, expected) in [(301, "DELETE", "DELETE"), (302, "PATCH", "PATCH"), (302, "POST", "GET"), (303, "PUT", "GET"),
                                           (307, "POST", "POST"), (308, "PUT", "PUT")] {
            let echo = try Self.echo(try await transport.send(HTTPRequest(method: method, url: server.url.appendingPathComponent("moved/\(status)"),
                                                                          body: Data("body".utf8))))
            #expect(echo.path == "/echo/after-\(status)")
            #expect(echo.method == expected, "\(status) after \(method)")
            #expect(echo.length == (expected == "GET" ? 0 : 4), "\(status) after \(method): the body goes with the method")
        }
    }

    @Test func keepAliveConnectionsAreReused() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        for _ in 0..<30 { _ = try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("echo"))) }
        let seen = try JSONSerialization.jsonObject(with: try await transport.send(
            HTTPRequest(method: "GET", url: server.url.appendingPathComponent("connections"))).body) as? [String: Int]
        #expect((seen?["connections"] ?? 99) <= 2, "31 sequential requests over at most two connections: \(String(describing: seen))")
    }

    @Test func manyConcurrentRequestsEachGetTheirOwnAnswer() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport(maxConnectionsPerHost: 4)
        let mismatches = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let body = Data("request \(index)".utf8)
                    let echo = try Self.echo(try await transport.send(HTTPRequest(method: "POST", url: server.url.appendingPathComponent("echo/\(index)"), body: body)))
                    return echo.path != "/echo/\(index)" || echo.length != body.count
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(mismatches == 0)
    }

    @Test func aSlowAnswerTimesOut() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPTransportError.self) {
            try await CurlTransport().send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("slow"), timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(20), "the request's own timeout, not the server's answer after 30 s")
    }

    @Test func cancellingTheTaskEndsTheRequestAtOnce() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        let request = Task { try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("slow"))) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        request.cancel()
        let result = await request.result
        #expect(ContinuousClock.now - started < .seconds(20), "ended by the cancellation, not the server's answer after 30 s")
        guard case .failure(let error) = result else { Issue.record("a cancelled request answered"); return }
        #expect((error as? HTTPTransportError)?.kind == .cancelled)
        // The transport still works after a cancelled transfer left its multi handle.
        #expect(try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("echo"))).status == 201)
    }

    @Test func aTaskCancelledBeforeSendingNeverStarts() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        let request = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await transport.send(HTTPRequest(method: "POST", url: server.url.appendingPathComponent("echo")))
        }
        guard case .failure(let error) = await request.result else { Issue.record("a request of a cancelled task was sent"); return }
        #expect((error as? HTTPTransportError)?.kind == .cancelled)
    }

    @Test func aDroppedConnectionIsAConnectionFailureAndARefusedPortToo() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let dropped = await #expect(throws: HTTPTransportError.self) {
            try await CurlTransport().send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("drop")))
        }
        #expect(dropped?.kind == .connectionFailed)
        let refused = await #expect(throws: HTTPTransportError.self) {
            try await CurlTransport().send(HTTPRequest(method: "GET", url: try #require(URL(string: "http://127.0.0.1:1/none"))))
        }
        #expect(refused?.kind == .connectionFailed)
    }

    @Test func aBodyOverTheCapEndsTheTransferInsteadOfGrowing() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport(maxResponseBytes: 100_000)
        #expect(try await transport.send(HTTPRequest(method: "GET", url: server.url.appending(path: "big").appending(queryItems: [URLQueryItem(name: "n", value: "100000")]))).body.count == 100_000)
        let error = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(method: "GET", url: server.url.appending(path: "big").appending(queryItems: [URLQueryItem(name: "n", value: "100001")])))
        }
        #expect(error?.description.contains("larger than 100000 bytes") == true)
    }

    @Test func aHeaderThatCouldInjectALineIsRefusedBeforeSending() async throws {
        let server = try await Self.listener()
        defer { server.stop() }
        let transport = CurlTransport()
        let hostile = [
            ("X-Branch", "main\r\nX-Injected: 1"), ("X-Branch", "main\nX-Injected: 1"), ("X-Branch", "a\u{0}b"),
            ("X Space", "v"), ("X-Colon:", "v"), ("", "v"), ("X-Newline\r\n", "v"),
        ]
        let method = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(method: "GET / HTTP/1.1\r\nX-Injected: 1\r\n", url: server.url.appendingPathComponent("echo")))
        }
        #expect(method?.description.contains("is not a token") == true)
        for (name, value) in hostile {
            let error = await #expect(throws: HTTPTransportError.self, "\(name.debugDescription): \(value.debugDescription)") {
                try await transport.send(HTTPRequest(method: "GET", url: server.url.appendingPathComponent("echo"), headers: HTTPHeaders([(name: name, value: value)])))
            }
            #expect(error?.kind == .other)
            #expect(error?.description.contains("Injected") == false, "the refused value is not echoed")
        }
        let seen = try JSONSerialization.jsonObject(with: try await transport.send(
            HTTPRequest(method: "GET", url: server.url.appendingPathComponent("connections"))).body) as? [String: Int]
        #expect(seen?["connections"] == 1, "none of the refused requests reached the server, only this check")
    }

    @Test func credentialsInTheQueryNeverReachAnError() async throws {
        let url = try #require(URL(string: "http://user:pass@127.0.0.1:1/object?X-Amz-Signature=secret&X-Amz-Credential=AKIA"))
        let error = await #expect(throws: HTTPTransportError.self) { try await CurlTransport().send(HTTPRequest(method: "GET", url: url)) }
        let text = error.map(String.init(describing:)) ?? ""
        #expect(!text.contains("secret") && !text.contains("AKIA") && !text.contains("pass"), "\(text)")
        #expect(text.contains("127.0.0.1:1/object"))
    }
}
