import AWSCredentialProviders
import HTTPTransport
import Foundation
import Logging
import LogCapture

/// A throwaway HOME with optional `~/.aws/config` and `~/.aws/credentials`, removed on deinit.
final class TempHome: @unchecked Sendable {
    let path: String

    init(config: String? = nil, credentials: String? = nil) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-creds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
        if let config { try write(".aws/config", config) }
        if let credentials { try write(".aws/credentials", credentials) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relativePath: String, _ contents: String) throws -> String {
        let full = path + "/" + relativePath
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        return full
    }

    /// An environment containing only HOME plus `extra`, so the developer's real settings never leak in.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": path].merging(extra) { _, new in new }
    }
}

/// Time that moves only when a test says so.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_700_000_000)) { current = start }

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
}

/// A provider with scripted answers that counts calls and can be slowed down to overlap callers.
actor ScriptedProvider: CredentialProvider {
    nonisolated let name: String
    private(set) var calls = 0
    private var answers: [Result<AWSCredentials, CredentialError>]
    private let delay: Duration

    init(name: String = "scripted", answers: [Result<AWSCredentials, CredentialError>], delay: Duration = .zero) {
        self.name = name
        self.answers = answers
        self.delay = delay
    }

    func credentials() async throws -> AWSCredentials {
        calls += 1
        if delay > .zero { try await Task.sleep(for: delay) }
        let answer = answers.count > 1 ? answers.removeFirst() : answers[0]
        return try answer.get()
    }
}

func creds(_ id: String, expires: Date? = nil) -> AWSCredentials {
    AWSCredentials(accessKeyID: id, secretAccessKey: "secret-\(id)", sessionToken: "token-\(id)", expiration: expires)
}

/// An in-memory transport for request-shape and error-text checks; the real-HTTP tests use `LocalEndpoint`.
final class StubTransport: HTTPSender, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private let handler: @Sendable (HTTPRequest) throws -> HTTPResponse

    init(_ handler: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) { self.handler = handler }

    var requests: [HTTPRequest] { lock.withLock { recorded } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { recorded.append(request) }
        return try handler(request)
    }
}

func jsonResponse(_ object: [String: String], status: Int = 200) -> HTTPResponse {
    HTTPResponse(status: status, body: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
}
