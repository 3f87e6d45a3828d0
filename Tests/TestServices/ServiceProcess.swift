import Foundation

/// A local test service (`infra/local/prenv_local.py`, `infra/github-standin/standin.py`) started by a
/// test on a free port and stopped by it. The script writes `{"url": …}` to `--ready-file` once it
/// serves; `--exit-with-parent` ends it if the test process dies first. Fails loudly, never skips.
public final class ServiceProcess: @unchecked Sendable {
    public let url: URL
    private let process: Process

    public struct StartFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - script: path relative to the package root.
    ///   - hint: what to check when it does not start ("is moto installed? run `make deps`").
    public init(script: String, arguments: [String], hint: String) async throws {
        let path = Self.packageRoot.appendingPathComponent(script).path
        let readyFile = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-service-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path, "--port", "0", "--ready-file", readyFile.path, "--exit-with-parent"] + arguments
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
            throw StartFailed(description: "could not start \(path) \(arguments.joined(separator: " ")) (\(hint))")
        }
        self.url = found
    }

    /// The folder holding Package.swift, found from this file's real path.
    static var packageRoot: URL {
        var root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while root.path != "/", !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        return root
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
