import Foundation

/// A local test service (`infra/local/prenv_local.py`, `infra/github-standin/standin.py`) started by a
/// test on a free port and stopped by it. The script writes `{"url": …}` to `--ready-file` once it
/// serves; `--exit-with-parent` ends it if the test process dies first. Fails loudly, never skips.
public final class ServiceProcess: @unchecked Sendable {
    public let url: URL
    private let process: Process
    /// The process id, e.g. to read its memory from `/proc`.
    public var pid: Int32 { process.processIdentifier }

    public struct StartFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameters:
    ///   - script: path relative to the package root.
    ///   - hint: what to check when it does not start ("is moto installed? run `make deps`").
    public convenience init(script: String, arguments: [String], hint: String) async throws {
        let path = Self.packageRoot.appendingPathComponent(script).path
        try await self.init(executable: "/usr/bin/env", arguments: ["python3", path, "--port", "0", "--exit-with-parent"] + arguments,
                            hint: hint, output: nil)
    }

    /// Any program that takes `--ready-file PATH` (added here) and writes `{"url": …}` there once it
    /// serves, e.g. `prenv serve --port 0`. `output` receives its stdout and stderr (for diagnostics).
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, hint: String, output: URL?) async throws {
        let readyFile = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-service-\(UUID().uuidString).json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments + ["--ready-file", readyFile.path]
        if let environment { process.environment = environment }
        if let output {
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let handle = try FileHandle(forWritingTo: output)
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
        } else {
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
        self.process = process
        var found: URL?
        for _ in 0..<600 where found == nil {
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
            throw StartFailed(description: "could not start \(executable) \(arguments.joined(separator: " ")) (\(hint))")
        }
        self.url = found
    }

    /// SIGKILL: no shutdown code runs, as when a machine dies. Waits until the process is gone.
    public func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP: the process stops where it is (as in a long GC pause or a frozen VM) and keeps its
    /// sockets; `resume()` lets it run on, unaware of the time that passed.
    public func pause() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGSTOP)
    }

    /// SIGCONT after `pause()`.
    public func resume() {
        kill(process.processIdentifier, SIGCONT)
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
        kill(process.processIdentifier, SIGCONT)  // a paused process could not act on SIGTERM
        process.terminate()
        for _ in 0..<100 where process.isRunning {
            usleep(50_000)
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGTERM only (no SIGKILL), then waits up to `limit` without blocking a thread: the exit
    /// status, or nil if the process was still running at the limit (it is then left running).
    public func terminate(within limit: Duration) async -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard !process.isRunning else { return nil }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    deinit { stop() }
}
