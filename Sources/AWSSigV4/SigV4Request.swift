import Crypto
import Foundation

/// The parts of an HTTP request that SigV4 signs, as they go on the wire.
///
/// Kept independent of any HTTP client type so that the signer stays a pure function of its
/// inputs and can be checked byte for byte against the AWS test suite.
public struct SigV4Request: Sendable {
    /// HTTP method, e.g. `GET`; used verbatim (methods are case-sensitive).
    public var method: String
    /// The path exactly as on the request line. In real use it is percent-encoded (see
    /// `init(method:url:headers:body:)`); the AWS suite also feeds raw spaces and UTF-8.
    public var path: String
    /// The raw query string without the leading `?`, or `nil` when there is none.
    public var query: String?
    /// Headers in send order; names are matched case-insensitively, duplicates are allowed.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex SHA-256 of the body, or `SigV4Request.unsignedPayload`.
    public var payloadSHA256: String

    /// The literal S3 accepts in place of a body hash when the payload is not signed.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty string, the hash of every body-less request.
    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(
        method: String,
        path: String,
        query: String? = nil,
        headers: [(name: String, value: String)] = [],
        payloadSHA256: String = SigV4Request.emptyPayloadSHA256
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadSHA256 = payloadSHA256
    }

    /// Hex SHA-256 of a body, as expected in `payloadSHA256` and `x-amz-content-sha256`.
    /// Inlinable so that it specialises for the caller's `Data` or `[UInt8]` instead of walking
    /// the body's regions through generic witnesses.
    @inlinable
    public static func hash(_ body: some DataProtocol) -> String {
        Hex.string(SHA256.hash(data: body))
    }

    /// A request for `url`, hashing `body`. See `init(method:url:headers:payloadSHA256:)`.
    @inlinable
    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: some DataProtocol) {
        self.init(method: method, url: url, headers: headers, payloadSHA256: Self.hash(body))
    }

    /// A request for `url` with a precomputed body hash (or `unsignedPayload`).
    ///
    /// Path and query are taken percent-encoded, exactly as an HTTP client puts them on the
    /// request line, and a `Host` header (with the port when it is not the scheme's default)
    /// is added unless `headers` already has one, because SigV4 always signs the host.
    public init(
        method: String,
        url: URL,
        headers: [(name: String, value: String)] = [],
        payloadSHA256: String = SigV4Request.emptyPayloadSHA256
    ) {
        let path = url.path(percentEncoded: true)
        var allHeaders = headers
        if !headers.contains(where: { Self.isHost($0.name) }), let host = Self.hostHeader(for: url) {
            allHeaders.insert((name: "Host", value: host), at: 0)
        }
        self.init(
            method: method,
            path: path.isEmpty ? "/" : path,
            query: url.query(percentEncoded: true),
            headers: allHeaders,
            payloadSHA256: payloadSHA256
        )
    }

    /// ASCII case-insensitive `host`, without `lowercased()`'s Unicode mapping and allocation.
    static func isHost(_ name: String) -> Bool {
        name.utf8.count == 4 && name.utf8.elementsEqual("host".utf8) { $0 | 0x20 == $1 }
    }

    /// `host[:port]` as an HTTP client sends it; IPv6 literals keep their brackets.
    static func hostHeader(for url: URL) -> String? {
        guard var host = url.host(percentEncoded: true), !host.isEmpty else { return nil }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        guard let port = url.port else { return host }
        switch (url.scheme?.lowercased(), port) {
        case ("http", 80), ("https", 443): return host
        default: return "\(host):\(port)"
        }
    }
}
