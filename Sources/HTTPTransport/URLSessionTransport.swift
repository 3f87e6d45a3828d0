import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Foundation's URLSession (libcurl on Linux) as the production transport. Redirects are followed
/// only within one origin (`SameOriginRedirects`): the request's headers carry credentials.
public final class URLSessionTransport: HTTPSender {
    private let session: URLSession
    private let defaultTimeout: Duration

    public init(timeout: Duration = .seconds(30), maxConnectionsPerHost: Int = 16) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        self.session = URLSession(configuration: configuration, delegate: SameOriginRedirectDelegate(), delegateQueue: nil)
        self.defaultTimeout = timeout
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        let timeout = request.timeout ?? defaultTimeout
        urlRequest.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        for field in request.headers {
            urlRequest.addValue(field.value, forHTTPHeaderField: field.name)
        }
        if !request.body.isEmpty || ["POST", "PUT"].contains(request.method) {
            urlRequest.httpBody = request.body
        }
        do {
            let (data, response) = try await data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw HTTPTransportError(kind: .other, url: request.url.absoluteString, detail: "not an HTTP response")
            }
            var headers = HTTPHeaders()
            for (key, value) in http.allHeaderFields {
                headers.add(name: String(describing: key), value: String(describing: value))
            }
            return HTTPResponse(status: http.statusCode, headers: headers, body: data)
        } catch let error as HTTPTransportError {
            throw error
        } catch let error as URLError {
            throw HTTPTransportError(kind: Self.kind(of: error), url: Self.redacted(request.url), detail: error.localizedDescription)
        } catch is CancellationError {
            throw HTTPTransportError(kind: .cancelled, url: Self.redacted(request.url), detail: "cancelled")
        } catch {
            throw HTTPTransportError(kind: .other, url: Self.redacted(request.url), detail: String(describing: error))
        }
    }

    /// `URLSession.data(for:)` without its cancellation deadlock on Linux: corelibs Foundation's
    /// handler calls `URLSessionTask.cancel()` (which waits on the task's work queue) while the Swift
    /// runtime holds the cancelled task's status lock, and a network thread completing the same task
    /// takes those locks in the opposite order (swift-corelibs-foundation #5412). Here the handler
    /// only schedules the cancel on another queue, so the cancelling thread (often an actor's) never
    /// waits on URLSession.
    private func data(for request: URLRequest) async throws -> (Data, URLResponse) {
        let handle = CancellableTask()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let error {
                        continuation.resume(throwing: error)
                    } else if let response {
                        continuation.resume(returning: (data ?? Data(), response))
                    } else {
                        continuation.resume(throwing: URLError(.badServerResponse))
                    }
                }
                handle.start(task)
            }
        } onCancel: {
            handle.cancel()
        }
    }

    static func kind(of error: URLError) -> HTTPTransportError.Kind {
        switch error.code {
        case .cannotConnectToHost, .cannotFindHost, .networkConnectionLost, .notConnectedToInternet, .dnsLookupFailed:
            .connectionFailed
        case .timedOut:
            .timedOut
        case .cancelled:
            .cancelled
        default:
            .other
        }
    }

    /// Query strings can carry presigned credentials; errors show scheme, host and path only.
    static func redacted(_ url: URL) -> String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.query = nil
        components?.user = nil
        components?.password = nil
        return components?.string ?? "<url>"
    }
}

/// The URLSession task behind one `send`, cancelled off the cancelling thread (see `data(for:)`).
private final class CancellableTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: URLSessionTask?
    private var cancelled = false

    func start(_ task: URLSessionTask) {
        let alreadyCancelled = lock.withLock {
            self.task = task
            return cancelled
        }
        task.resume()
        if alreadyCancelled { Self.cancelLater(task) }
    }

    func cancel() {
        let task = lock.withLock {
            cancelled = true
            return self.task
        }
        if let task { Self.cancelLater(task) }
    }

    private static func cancelLater(_ task: URLSessionTask) {
        DispatchQueue.global().async { task.cancel() }
    }
}
