import Foundation

/// A PostgreSQL server of one test's own (`infra/postgres/start-server`), for what the shared server
/// of `make test` must not see: being stopped and started again under a running prenv. Loopback
/// only, a free port, password authentication; fails loudly (never skips) when PostgreSQL is not
/// installed.
public final class PostgresServer: Sendable {
    /// `postgres://prenv:PASSWORD@127.0.0.1:PORT/prenv?sslmode=disable`.
    public let url: String
    /// The password in `url`, for tests that look for it where it must not be.
    public let password: String
    public let directory: URL

    public struct Failed: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    public init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-pg-\(UUID().uuidString.prefix(8))")
        url = try await Self.script("start-server", [directory.path])
        guard let start = url.range(of: "prenv:"), let end = url.range(of: "@", range: start.upperBound..<url.endIndex) else {
            throw Failed(description: "infra/postgres/start-server printed no URL")
        }
        password = String(url[start.upperBound..<end.lowerBound])
    }

    /// `pg_ctl stop -m fast`, keeping the data: every session ends, new connections are refused
    /// until `start()`.
    public func stop() async throws { _ = try await Self.script("stop-server", [directory.path, "--keep", "--mode", "fast"]) }

    /// Starts the stopped server again on the same port, with the same data and password.
    public func start() async throws { _ = try await Self.script("start-server", [directory.path]) }

    /// Stops the server and removes its data. Blocking (for `defer`), and quick: an immediate stop.
    public func remove() {
        _ = try? Self.runBlocking(Self.scriptPath("stop-server"), [directory.path, "--mode", "immediate"], environment: [:])
        try? FileManager.default.removeItem(at: directory)
    }

    /// `CREATE DATABASE name` on this server; its URL.
    public func createDatabase(_ name: String) async throws -> String { try await Self.createDatabase(name, on: url) }

    /// `CREATE DATABASE name` through `psql` on the server `url` names (its user must be allowed to);
    /// `url` with that database.
    public static func createDatabase(_ name: String, on url: String) async throws -> String {
        try await psql("CREATE DATABASE \"\(name)\"", on: url, database: "postgres")
        return with(database: name, url)
    }

    /// Runs one SQL statement through `psql` in `database` (default: the one `url` names); its output.
    @discardableResult
    public static func psql(_ sql: String, on url: String, database: String? = nil) async throws -> String {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port,
              let user = components.user else { throw Failed(description: "not a postgres://USER:PASSWORD@HOST:PORT/DB URL") }
        let name = database ?? String(components.path.dropFirst())
        return try await run("/usr/bin/env", ["psql", "-h", host, "-p", String(port), "-U", user, "-d", name, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       environment: ["PGPASSWORD": components.password ?? "", "PATH": "/usr/bin:/bin:/usr/local/bin"])
    }

    /// `url` naming `database` instead.
    public static func with(database: String, _ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    static func script(_ name: String, _ arguments: [String]) async throws -> String {
        try await run(scriptPath(name), arguments, environment: [:])
    }

    static func scriptPath(_ name: String) -> String {
        ServiceProcess.packageRoot.appendingPathComponent("infra/postgres/\(name)").path
    }

    /// `runBlocking` on a thread of its own: initdb, pg_ctl and psql take seconds under load, and a test
    /// blocking one of the two cooperative threads of this machine stalls every other test of the run.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment) })
            }
        }
    }

    /// Runs `executable` to its end; its standard output, trimmed, or `Failed` with its standard error.
    ///
    /// Through `sh` with the output, errors and exit status in files, polled: Foundation's
    /// `waitUntilExit` was seen never to return here for a script that had exited (a zombie left
    /// unreaped while the test's threads were busy), hanging the test run.
    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-pg-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (output, errors, status) = (folder.appendingPathComponent("out"), folder.appendingPathComponent("err"), folder.appendingPathComponent("rc"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\"$@\" >'\(output.path)' 2>'\(errors.path)' </dev/null; echo $? >'\(status.path).tmp'; mv '\(status.path).tmp' '\(status.path)'",
                             "sh", executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var code: Int32?
        while code == nil, Date() < deadline {
            code = (try? String(contentsOf: status, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if code == nil { usleep(20_000) }
        }
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let problems = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        guard let code else { throw Failed(description: "\(executable) did not finish within 120 s: \(problems)") }
        guard code == 0 else { throw Failed(description: "\(executable) \(arguments.first ?? "") exited \(code): \(problems)") }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
