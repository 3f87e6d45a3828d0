import Foundation

/// libcurl's multi interface as the production transport: one thread per transport drives every
/// request in flight (`CurlEngine`), connections are kept alive and reused, at most
/// `maxConnectionsPerHost` to a host. Redirects are followed only within one origin
/// (`SameOriginRedirects`): the request's headers carry credentials.
///
/// Why libcurl itself and not URLSession (which is libcurl underneath on Linux): corelibs
/// Foundation leaks on every request. Configuring each transfer, it parses the URL into a libcurl
/// URL handle (`CFURLSessionCurlHostIsEqual`) and frees the handle with `curl_free` rather than
/// `curl_url_cleanup`, so the parsed scheme, host, port, path and query stay allocated for good:
/// about 200 bytes a request (`prenv-benchmarks transport-heap`: 207 against 8 here), which a
/// server making tens of requests per environment, for as long as it runs, never gets back
/// (BENCHMARKS.md, "The HTTP client's leak"). Its `data(for:)` also deadlocked on cancellation
/// (swift-corelibs-foundation #5412).
public final class CurlTransport: HTTPSender {
    private let engine: CurlEngine
    private let defaultTimeout: Duration
    private let maxResponseBytes: Int

    /// Same-origin redirects followed in a row before the last 3xx is returned as it is.
    static let maxRedirects = 5

    /// - Parameter maxResponseBytes: a response body larger than this ends the request with an
    ///   error instead of growing without bound; the answers prenv reads (AWS's pages, GitHub's
    ///   lists and files) are at most a few megabytes.
    public init(timeout: Duration = .seconds(30), maxConnectionsPerHost: Int = 16, maxResponseBytes: Int = 64 << 20) {
        engine = CurlEngine(maxConnectionsPerHost: maxConnectionsPerHost)
        defaultTimeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    deinit {
        engine.stop()
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var current = request
        var redirects = 0
        while true {
            let response = try await engine.perform(current, timeout: current.timeout ?? defaultTimeout, maxBodyBytes: maxResponseBytes)
            guard redirects < Self.maxRedirects, let next = Self.redirect(from: current, answered: response) else { return response }
            current = next
            redirects += 1
        }
    }

    /// The request a 3xx asks for, when it may be followed (`SameOriginRedirects`). A 303 turns
    /// anything but HEAD into a GET without a body, and so does a 301 or 302 a POST (as browsers
    /// and URLSession do); every other redirect repeats the method and body.
    static func redirect(from request: HTTPRequest, answered response: HTTPResponse) -> HTTPRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"],
              let target = URL(string: location, relativeTo: request.url)?.absoluteURL,
              SameOriginRedirects.allows(from: request.url, to: target)
        else { return nil }
        var next = request
        next.url = target
        let becomesGet = response.status == 303 ? request.method != "HEAD" && request.method != "GET"
            : [301, 302].contains(response.status) && request.method == "POST"
        if becomesGet {
            next.method = "GET"
            next.body = Data()
            next.headers.remove("Content-Type")
            next.headers.remove("Content-Length")
        }
        return next
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
