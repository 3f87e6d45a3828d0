import Foundation

/// Runs the built `prenv` executable as a user would, capturing its output and exit code.
enum PrenvBinary {
    struct Result {
        var status: Int32
        var output: String
    }

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "prenv binary not found at \(path); build it first (`swift build`, or run `make test`)" }
    }

    static var path: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/prenv").path
    }

    /// `environment` replaces the process environment entirely, so the user's own AWS settings never leak in.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing(path: path) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = try await Task.detached { try pipe.fileHandleForReading.readToEnd() ?? Data() }.value
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    /// An environment with no AWS configuration from the host: no profile files, no IMDS.
    static func isolatedEnvironment(_ extra: [String: String]) -> [String: String] {
        [
            "HOME": "/nonexistent-prenv-home", "PATH": "/usr/bin:/bin",
            "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
            "AWS_EC2_METADATA_DISABLED": "true",
        ].merging(extra) { $1 }
    }
}
