import AWSCore
import Foundation
import HTTPTransport
import LocalAWSSupport
import Synchronization
import Testing

/// The caller's cancellation leaves `AWSClient` as `CancellationError`, never as an `AWSError`, and is
/// never retried; a transport cancelled for any other reason is still an `AWSError`.
@Suite struct ClientCancellationTests {
    func client(_ transport: any HTTPSender, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) -> AWSClient {
        AWSClient(
            region: "us-east-1", endpoints: AWSEndpoints(region: "us-east-1", everyService: URL(string: "http://127.0.0.1:9")!),
            credentialProvider: LocalAWS.credentials(), transport: transport,
            retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)),
            requestsPerSecond: [:], sleep: sleep)
    }

    @Test func cancelledWhileOnTheWireIsCancellationErrorAndNotRetried() async throws {
        let transport = HangingTransport()
        let client = client(transport)
        let call = Task { try await client.send(HTTPRequest(method: "POST", url: client.endpoints.url(for: .sts)), service: .sts, operation: "Op") }
        try await transport.waitUntilSent(1)
        call.cancel()
        let result = await call.result
        guard case .failure(let error) = result, error is CancellationError else {
            Issue.record("expected CancellationError, got \(result)")
            return
        }
        #expect(transport.sends == 1)
    }

    @Test func transportCancelledWithoutTaskCancellationIsAnAWSErrorAndNotRetried() async throws {
        let transport = CountingTransport { request in throw HTTPTransportError(kind: .cancelled, url: request.url.absoluteString, detail: "session invalidated") }
        let error = await #expect(throws: AWSError.self) {
            try await client(transport).send(HTTPRequest(method: "POST", url: URL(string: "http://127.0.0.1:9/")!), service: .sts, operation: "Op")
        }
        #expect(error?.code == AWSError.ClientCode.cancelled)
        #expect(transport.sends == 1)
    }

    @Test func alreadyCancelledTaskSendsNothing() async throws {
        let transport = CountingTransport { _ in HTTPResponse(status: 200) }
        let client = client(transport)
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.send(HTTPRequest(method: "POST", url: client.endpoints.url(for: .sts)), service: .sts, operation: "Op")
        }.result
        guard case .failure(let error) = result, error is CancellationError else {
            Issue.record("expected CancellationError, got \(result)")
            return
        }
        #expect(transport.sends == 0)
    }

    /// A retryable answer that arrives after the task was cancelled is neither slept on nor retried.
    @Test func noRetryAfterCancellation() async throws {
        let sleeps = Mutex(0)
        let transport = CountingTransport { _ in
            withUnsafeCurrentTask { $0?.cancel() }
            return HTTPResponse(status: 503)
        }
        let client = client(transport, sleep: { _ in sleeps.withLock { $0 += 1 } })
        let result = await Task {
            try await client.send(HTTPRequest(method: "POST", url: client.endpoints.url(for: .sts)), service: .sts, operation: "Op")
        }.result
        guard case .failure(let error) = result, error is CancellationError else {
            Issue.record("expected CancellationError, got \(result)")
            return
        }
        #expect(transport.sends == 1)
        #expect(sleeps.withLock { $0 } == 0)
    }
}

/// Answers every request with `answer`, counting sends.
final class CountingTransport: HTTPSender {
    private let count = Mutex(0)
    private let answer: @Sendable (HTTPRequest) throws -> HTTPResponse
    init(_ answer: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) { self.answer = answer }
    var sends: Int { count.withLock { $0 } }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        count.withLock { $0 += 1 }
        return try answer(request)
    }
}

/// Never answers; reports its own cancellation as `CurlTransport` does (`HTTPTransportError.cancelled`).
final class HangingTransport: HTTPSender {
    private let count = Mutex(0)
    var sends: Int { count.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        count.withLock { $0 += 1 }
        do {
            try await Task.sleep(for: .seconds(600))
        } catch {
            throw HTTPTransportError(kind: .cancelled, url: request.url.absoluteString, detail: "cancelled")
        }
        throw HTTPTransportError(kind: .timedOut, url: request.url.absoluteString, detail: "no answer in 600 s")
    }

    struct NeverSent: Error { let count: Int }

    /// Waits until `count` requests are in flight; fails after 10 s.
    func waitUntilSent(_ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while sends < count {
            guard ContinuousClock.now < deadline else { throw NeverSent(count: count) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
