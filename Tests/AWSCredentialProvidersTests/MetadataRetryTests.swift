import Foundation
import HTTPTransport
import Synchronization
import Testing

@testable import AWSCredentialProviders

/// `sendWithRetries`, the container and IMDS providers' retries: 5xx and dropped connections are tried
/// again at once up to the attempt count, the last 5xx is returned (not thrown), anything else is final.
@Suite struct MetadataRetryTests {
    let request = HTTPRequest(method: "GET", url: URL(string: "http://169.254.169.254/latest/meta-data/")!)

    /// A transport answering from `script` in order (one entry per send).
    func scripted(_ script: [Result<Int, HTTPTransportError>]) -> StubTransport {
        let next = Mutex(script)
        return StubTransport { _ in
            try next.withLock { $0.removeFirst() }.map { HTTPResponse(status: $0) }.get()
        }
    }

    func dropped(_ kind: HTTPTransportError.Kind = .connectionFailed) -> HTTPTransportError {
        HTTPTransportError(kind: kind, url: "http://169.254.169.254/", detail: "test")
    }

    @Test func serverErrorsAndDroppedConnectionsAreRetriedUntilAnAnswer() async throws {
        let transport = scripted([.success(500), .failure(dropped()), .success(200)])
        let response = try await sendWithRetries(request, via: transport, attempts: 3)
        #expect(response.status == 200)
        #expect(transport.requests.count == 3)
    }

    @Test func theLastServerErrorIsReturned() async throws {
        let transport = scripted([.success(500), .success(503)])
        let response = try await sendWithRetries(request, via: transport, attempts: 2)
        #expect(response.status == 503)
        #expect(transport.requests.count == 2)
    }

    @Test func clientErrorsAreReturnedAtOnce() async throws {
        let transport = scripted([.success(404), .success(200)])
        let response = try await sendWithRetries(request, via: transport, attempts: 3)
        #expect(response.status == 404)
        #expect(transport.requests.count == 1)
    }

    @Test func theLastTransportErrorIsThrown() async throws {
        let transport = scripted([.failure(dropped()), .failure(dropped(.timedOut))])
        let error = await #expect(throws: HTTPTransportError.self) { try await sendWithRetries(request, via: transport, attempts: 2) }
        #expect(error?.kind == .timedOut)
        #expect(transport.requests.count == 2)
    }

    @Test func aCancelledTransportIsNotRetried() async throws {
        let transport = scripted([.failure(dropped(.cancelled)), .success(200)])
        let error = await #expect(throws: HTTPTransportError.self) { try await sendWithRetries(request, via: transport, attempts: 3) }
        #expect(error?.kind == .cancelled)
        #expect(transport.requests.count == 1)
    }
}
