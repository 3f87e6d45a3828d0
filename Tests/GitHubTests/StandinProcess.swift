import AWSHTTP
import Foundation

/// `infra/github-standin/standin.py` started by a test suite on a free port and stopped by it;
/// `--exit-with-parent` ends it if the test process dies first. Fails loudly when python3 or
/// the script is missing rather than skipping.
final class StandinProcess: @unchecked Sendable {
    let url: URL
    let token: String
    private let process: Process

    init(token: String = "ghs_standin_\(UUID().uuidString)") async throws {
        var root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let script = root.appendingPathComponent("infra/github-standin/standin.py")
        let readyFile = FileManager.default.temporaryDirectory.appendingPathComponent("gh-standin-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", "0", "--token", token, "--ready-file", readyFile.path, "--exit-with-parent"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.token = token
        var found: URL?
        for _ in 0..<200 where found == nil {
            if let data = try? Data(contentsOf: readyFile),
               let ready = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
               let raw = ready["url"] as? String {
                found = URL(string: raw)
            } else if !process.isRunning {
                break
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        try? FileManager.default.removeItem(at: readyFile)
        guard let found else {
            process.terminate()
            throw FixtureError(description: "could not start \(script.path) (needs python3 on PATH)")
        }
        self.url = found
    }

    /// Admin call: `POST /_standin/<path>` with a JSON body.
    func admin(_ path: String, _ body: [String: Any] = [:]) async throws -> Data {
        let request = HTTPRequest(method: "POST", url: url.appendingPathComponent("_standin/\(path)"),
                                  headers: ["Content-Type": "application/json"], body: try JSONSerialization.data(withJSONObject: body))
        return try await URLSessionTransport().send(request).body
    }

    /// Every status the stand-in accepted, in order, and every status request's headers.
    func received() async throws -> (statuses: [[String: Any]], requests: [[String: Any]]) {
        let response = try await URLSessionTransport().send(HTTPRequest(method: "GET", url: url.appendingPathComponent("_standin/statuses")))
        let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return (object?["statuses"] as? [[String: Any]] ?? [], object?["requests"] as? [[String: Any]] ?? [])
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning { usleep(50_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { stop() }
}
