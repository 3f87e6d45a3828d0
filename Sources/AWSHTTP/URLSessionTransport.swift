import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Foundation's URLSession (libcurl on Linux) as the production transport.
public final class URLSessionTransport: HTTPTransport {
    private let session: URLSession
    private let defaultTimeout: Duration

    public init(timeout: Duration = .seconds(30), maxConnectionsPerHost: Int = 16) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        self.session = URLSession(configuration: configuration)
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
            let (data, response) = try await session.data(for: urlRequest)
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
