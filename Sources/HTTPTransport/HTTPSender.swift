/// The one seam between prenv and the network: production uses `CurlTransport`, tests may wrap it.
public protocol HTTPSender: Sendable {
    /// Sends the request and returns whatever status came back; throws `HTTPTransportError` only when no response arrived.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

/// Failures below HTTP: nothing answered, so the caller may retry if the operation allows it.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case connectionFailed
        case timedOut
        case cancelled
        case other
    }

    public var kind: Kind
    public var url: String
    public var detail: String

    public init(kind: Kind, url: String, detail: String) {
        self.kind = kind
        self.url = url
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .connectionFailed: "could not connect to \(url): \(detail)"
        case .timedOut: "request to \(url) timed out: \(detail)"
        case .cancelled: "request to \(url) was cancelled"
        case .other: "request to \(url) failed: \(detail)"
        }
    }
}

extension HTTPTransportError {
    /// Whether `error` is the current task's cancellation, however the layer below reported it: a
    /// `CancellationError`, or a transport `.cancelled` while this task is cancelled (`CurlTransport` reports
    /// its own cancel that way). A `.cancelled` without task cancellation (a transport shut down, say)
    /// is a transport failure like any other, not the caller's cancellation.
    public static func isCancellation(_ error: any Error) -> Bool {
        if error is CancellationError { return true }
        return (error as? HTTPTransportError)?.kind == .cancelled && Task.isCancelled
    }
}
