import Foundation

/// A transport-neutral HTTP request, so signing, retries and tests never depend on URLSession types.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    /// Header order is kept as given; names compare case-insensitively via `HTTPHeaders`.
    public var headers: HTTPHeaders
    public var body: Data
    /// Per-request timeout; the transport's default applies when nil.
    public var timeout: Duration?

    public init(method: String, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data(), timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The response as received; the body is fully buffered because every AWS call prenv makes is small.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
