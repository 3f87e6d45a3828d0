import Foundation

/// A private local AWS endpoint started by one test, for modes that would disturb the shared one
/// (signature verification is all-or-nothing per endpoint). Stopped by `stop()`; `--exit-with-parent`
/// makes it exit on its own if the test process dies first.
public final class LocalAWSProcess: @unchecked Sendable {
    public let url: URL
    private let process: Process

    /// Starts `infra/local/prenv_local.py` on a free port with extra flags and waits until it serves.
    public init(arguments: [String]) async throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = packageRoot.appendingPathComponent("infra/local/prenv_local.py")
        let readyFile = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-local-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--port", "0", "--ready-file", readyFile.path, "--exit-with-parent"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
        var found: URL?
        for _ in 0..<300 where found == nil {
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
            throw LocalAWS.AdminError(description: "could not start \(script.path) \(arguments.joined(separator: " ")) (is moto installed? run `make deps`)")
        }
        self.url = found
    }

    /// SIGTERM, then SIGKILL if it has not exited within five seconds; never blocks longer.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<100 where process.isRunning {
            usleep(50_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    deinit { stop() }
}
