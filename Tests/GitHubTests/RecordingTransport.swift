import HTTPTransport
import Foundation

/// A lock-guarded value (NSLock, so it also builds for macOS 14 where `Mutex` is unavailable).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A scripted transport: answers with queued responses in order and records every request.
final class RecordingTransport: HTTPSender {
    private let state: Locked<(responses: [HTTPResponse], requests: [HTTPRequest])>

    init(_ responses: [HTTPResponse]) {
        state = Locked((responses: responses, requests: []))
    }

    var requests: [HTTPRequest] { state.withLock { $0.requests } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try state.withLock { state in
            state.requests.append(request)
            guard !state.responses.isEmpty else {
                throw HTTPTransportError(kind: .other, url: request.url.absoluteString, detail: "no scripted response left")
            }
            return state.responses.removeFirst()
        }
    }
}

/// Records what the client asked to sleep for instead of sleeping.
final class SleepRecorder: Sendable {
    private let waits = Locked<[Duration]>([])
    var recorded: [Duration] { waits.withLock { $0 } }
    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in waits.withLock { $0.append(duration) } }
    }
}

func json(_ status: Int, _ body: String, _ headers: HTTPHeaders = [:]) -> HTTPResponse {
    HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
}
