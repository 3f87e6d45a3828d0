import Crypto
import Foundation
import HTTPTransport

/// One webhook delivery as received: the headers prenv routes and dedupes on, the raw body
/// (what the signature covers) and the JSON payload (the body itself, or the URL-decoded
/// `payload=` field when the hook is configured as `application/x-www-form-urlencoded`).
public struct WebhookEnvelope: Sendable {
    /// `X-GitHub-Event`, e.g. `pull_request` or `ping`.
    public var event: String
    /// `X-GitHub-Delivery`: GitHub's GUID and prenv's idempotency key.
    public var deliveryID: String
    /// `X-Hub-Signature-256`, unverified.
    public var signature: String?
    public var rawBody: Data
    public var payload: Data

    /// Why a request is not a usable delivery.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingHeader(String)
        /// `X-GitHub-Delivery` is not 1–`maxDeliveryIDLength` printable ASCII characters.
        case malformedDeliveryID(length: Int)
        case missingFormPayload
        case undecodableFormPayload

        public var description: String {
            switch self {
            case .missingHeader(let name): "webhook delivery has no \(name) header"
            case .malformedDeliveryID(let length):
                "X-GitHub-Delivery must be 1 to \(WebhookEnvelope.maxDeliveryIDLength) printable ASCII characters without spaces (got \(length) characters)"
            case .missingFormPayload: "form-encoded webhook delivery has no payload= field"
            case .undecodableFormPayload: "form-encoded webhook payload is not valid percent-encoded UTF-8"
            }
        }
    }

    public init(headers: HTTPHeaders, body: Data) throws(Failure) {
        guard let event = headers["X-GitHub-Event"], !event.isEmpty else { throw .missingHeader("X-GitHub-Event") }
        guard let delivery = headers["X-GitHub-Delivery"], !delivery.isEmpty else { throw .missingHeader("X-GitHub-Delivery") }
        guard Self.isWellFormedDeliveryID(delivery) else { throw .malformedDeliveryID(length: delivery.count) }
        self.event = event
        self.deliveryID = delivery
        self.signature = headers[WebhookSignature.headerName]
        self.rawBody = body
        let contentType = headers["Content-Type"]?.lowercased() ?? ""
        if contentType.hasPrefix("application/x-www-form-urlencoded") {
            self.payload = try Self.formPayload(body)
        } else {
            self.payload = body
        }
    }

    /// GitHub's delivery ids are GUIDs (36 characters). The id is a key in the inbox, a log field and
    /// part of answers, so anything longer or stranger is refused with a 400 rather than stored:
    /// a PostgreSQL index entry has a size limit, and a huge id would turn into a 503 and a retry loop.
    public static let maxDeliveryIDLength = 128

    /// 1–128 characters between `!` and `~` (printable ASCII, no spaces or controls).
    static func isWellFormedDeliveryID(_ id: String) -> Bool {
        let bytes = id.utf8
        return (1...maxDeliveryIDLength).contains(bytes.count) && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Verifies the signature over the raw body (never the decoded payload).
    public func verify(secret: some DataProtocol) -> WebhookSignature.Result {
        WebhookSignature.verify(body: rawBody, header: signature, secret: secret)
    }

    /// Extracts and URL-decodes the `payload` field (`+` is a space in form encoding).
    static func formPayload(_ body: Data) throws(Failure) -> Data {
        guard let text = String(data: body, encoding: .utf8) else { throw .undecodableFormPayload }
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.first == "payload" else { continue }
            let encoded = parts.count > 1 ? String(parts[1]) : ""
            guard let decoded = encoded.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                throw .undecodableFormPayload
            }
            return Data(decoded.utf8)
        }
        throw .missingFormPayload
    }
}

/// Verifies `X-Hub-Signature-256` so that only GitHub (holder of the webhook secret) can drive prenv.
/// The HMAC covers the raw body bytes: verify before decoding, never a re-encoded copy.
public enum WebhookSignature {
    /// The header GitHub puts the SHA-256 signature in.
    public static let headerName = "X-Hub-Signature-256"

    /// Why a delivery was accepted or refused; typed so the server can log and answer precisely.
    public enum Result: Sendable, Equatable {
        case valid
        /// No `X-Hub-Signature-256` header (unsigned hook, or one configured without a secret).
        case missingHeader
        /// The header is not `sha256=` followed by 64 hex digits.
        case malformedHeader
        /// Well-formed but wrong: another secret, or a body altered on the way.
        case mismatch

        public var isValid: Bool { self == .valid }
    }

    /// Checks `header` against HMAC-SHA256(secret, body) in constant time.
    public static func verify(body: some DataProtocol, header: String?, secret: some DataProtocol) -> Result {
        guard let header else { return .missingHeader }
        // HTTP's optional whitespace (space, tab) around the value; Foundation's trimming was a
        // sixth of this function's time.
        let bytes = Array(header.utf8)
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let value = bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        let prefix = "sha256=".utf8
        guard value.starts(with: prefix), let digest = hexBytes(value.dropFirst(prefix.count)), digest.count == 32 else {
            return .malformedHeader
        }
        let key = SymmetricKey(data: Data(secret))
        // Crypto compares authentication codes in constant time; the body is hashed where it lies.
        return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: body, using: key) ? .valid : .mismatch
    }

    /// The header value GitHub would send for `body`; used by tests and by anything that re-signs.
    public static func sign(body: some DataProtocol, secret: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body), using: SymmetricKey(data: Data(secret)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Hex (either case) to bytes; nil on odd length or a non-hex digit.
    static func hexBytes(_ text: some Collection<UInt8>) -> [UInt8]? {
        let digits = Array(text)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
