import HTTPTransport
import Foundation

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
        case missingFormPayload
        case undecodableFormPayload

        public var description: String {
            switch self {
            case .missingHeader(let name): "webhook delivery has no \(name) header"
            case .missingFormPayload: "form-encoded webhook delivery has no payload= field"
            case .undecodableFormPayload: "form-encoded webhook payload is not valid percent-encoded UTF-8"
            }
        }
    }

    public init(headers: HTTPHeaders, body: Data) throws(Failure) {
        guard let event = headers["X-GitHub-Event"], !event.isEmpty else { throw .missingHeader("X-GitHub-Event") }
        guard let delivery = headers["X-GitHub-Delivery"], !delivery.isEmpty else { throw .missingHeader("X-GitHub-Delivery") }
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
