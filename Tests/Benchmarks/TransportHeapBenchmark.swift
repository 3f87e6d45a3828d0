import CMalloc
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTransport
import TestServices

/// What each HTTP request leaves on the heap for good, and how fast requests go: prenv's
/// `CurlTransport` beside Foundation's URLSession (the bare reference it replaced) in one run,
/// the same `requests` GETs to one local keep-alive listener, `concurrency` at a time. Heap in use
/// (glibc's `mallinfo2`) is read after a warm-up and again after the requests; the difference per
/// request is what the client keeps. URLSession on Linux keeps the parsed URL of every request
/// (`CFURLSessionCurlHostIsEqual` frees its libcurl URL handle with `curl_free`, not
/// `curl_url_cleanup`), which is why prenv no longer uses it.
func benchmarkTransportHeap(requests: Int, concurrency: Int) async throws {
    let script = #"""
import http.server, json, sys, threading
ready = sys.argv[sys.argv.index("--ready-file") + 1]
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
open(ready, "w").write(json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1]}))
threading.Event().wait()
"""#
    let listener = try await ServiceProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", script], hint: "python3", output: nil)
    defer { listener.stop() }
    // Distinct paths and queries, as prenv's requests are (each names its resource).
    let urls = (0..<requests).map { listener.url.appendingPathComponent("bucket/object-\($0)").appending(queryItems: [URLQueryItem(name: "list-type", value: "2")]) }

    func heapInUse() -> Int {
        _ = malloc_trim(0)
        let info = mallinfo2()
        return Int(info.uordblks + info.hblkhd)
    }

    func measure(_ name: String, _ get: @escaping @Sendable (URL) async throws -> Int) async throws {
        for url in urls.prefix(500) { _ = try await get(url) }
        let before = heapInUse()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<concurrency {
                group.addTask {
                    for index in stride(from: lane, to: urls.count, by: concurrency) {
                        let status = try await get(urls[index])
                        guard status == 200 else { throw BareIntakeFailure(description: "\(name): status \(status)") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let grown = heapInUse() - before
        print("transport heap: \(name): \(requests) requests in \(String(format: "%.2f", seconds)) s "
              + "(\(Int(Double(requests) / seconds)) requests/s); heap grew \(grown / 1024) KiB, "
              + "\(String(format: "%.1f", Double(grown) / Double(requests))) bytes per request")
    }

    let curl = CurlTransport(maxConnectionsPerHost: concurrency)
    try await measure("CurlTransport") { url in try await curl.send(HTTPRequest(method: "GET", url: url)).status }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = concurrency
    let session = URLSession(configuration: configuration)
    try await measure("URLSession (reference)") { url in
        let (_, response) = try await session.data(for: URLRequest(url: url))
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
    session.finishTasksAndInvalidate()
}
