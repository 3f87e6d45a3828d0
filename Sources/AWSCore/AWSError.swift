import AWSXML
import Foundation
import HTTPTransport

/// Every failure of an AWS call, in one shape: which service and operation, AWS's own code and message.
///
/// Transport failures (nothing answered) use `httpStatus == nil` and codes like `ConnectionFailed`,
/// so callers and users see one error type whatever went wrong. Never carries credentials.
/// The caller's own cancellation is not an `AWSError`: `AWSClient` throws `CancellationError` for it.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var service: String
    public var operation: String
    public var code: String
    public var message: String
    public var requestID: String?
    public var httpStatus: Int?

    public init(service: String, operation: String, code: String, message: String, requestID: String? = nil, httpStatus: Int? = nil) {
        self.service = service
        self.operation = operation
        self.code = code
        self.message = message
        self.requestID = requestID
        self.httpStatus = httpStatus
    }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code)"
        if !message.isEmpty { text += ": \(message)" }
        var details: [String] = []
        if let httpStatus { details.append("HTTP \(httpStatus)") }
        if let requestID, !requestID.isEmpty { details.append("request id \(requestID)") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        return text
    }
}

extension AWSError {
    /// Client-side codes prenv uses when AWS never answered or answered something unreadable.
    public enum ClientCode {
        public static let connectionFailed = "ConnectionFailed"
        public static let timedOut = "RequestTimeout"
        /// The transport was cancelled although the calling task was not (the transport shut down, say).
        public static let cancelled = "Cancelled"
        public static let transport = "TransportError"
        public static let invalidResponse = "InvalidResponse"
        public static let credentials = "CredentialsNotFound"
        public static let invalidRequest = "InvalidRequest"
    }

    /// True when AWS itself said the resource does not exist, whatever spelling the service uses.
    public var isNotFound: Bool {
        // AWS's own conventions, not a list per service: `NoSuch<Thing>` (S3), `<Thing>NotFoundException`
        // (the JSON services), a bare `NotFound` (HEAD requests), and the Query services'
        // `ValidationError … does not exist` (CloudFormation).
        code.hasPrefix("NoSuch") || code.hasSuffix("NotFoundException") || code == "NotFound"
            || (code == "ValidationError" && message.contains("does not exist"))
    }
}

/// Turns any non-2xx answer into an `AWSError`, whatever the body looks like.
///
/// Services do not always answer in their own protocol: moto answers a bad signature on the JSON
/// services with XML labelled text/html, proxies answer with HTML, HEAD responses have no body.
/// So the decoder sniffs the body instead of trusting the service's protocol or the content type.
enum AWSErrorDecoder {
    static func decode(_ response: HTTPResponse, service: AWSService, operation: String) -> AWSError {
        let requestID = response.headers["x-amzn-RequestId"] ?? response.headers["x-amz-request-id"]
        var error = AWSError(
            service: service.name, operation: operation,
            code: fallbackCode(status: response.status), message: "",
            requestID: requestID, httpStatus: response.status)

        let body = response.body
        let firstByte = body.first { !isWhitespace($0) }
        if firstByte == UInt8(ascii: "{"), let decoded = decodeJSON(body) {
            error.code = decoded.code.map { printable($0, limit: codeLimit) } ?? error.code
            error.message = printable(decoded.message ?? "", limit: messageLimit)
        } else if firstByte == UInt8(ascii: "<"), let decoded = decodeXML(body) {
            error.code = decoded.code.map { printable($0, limit: codeLimit) } ?? error.code
            error.message = printable(decoded.message ?? "", limit: messageLimit)
            error.requestID = error.requestID ?? decoded.requestID
        } else if !body.isEmpty {
            error.message = excerpt(body)
        }
        // JSON services may put the code only in a header.
        if let typeHeader = response.headers["x-amzn-ErrorType"], error.code == fallbackCode(status: response.status),
           let code = nonEmpty(normalizeJSONType(typeHeader)) {
            error.code = code
        }
        return error
    }

    /// The code when the body names none: what S3 uses for bodiless HEAD errors.
    static func fallbackCode(status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 304: "NotModified"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 409: "Conflict"
        case 412: "PreconditionFailed"
        case 413: "RequestEntityTooLarge"
        case 429: "TooManyRequestsException"
        case 500: "InternalError"
        case 502: "BadGateway"
        case 503: "ServiceUnavailable"
        case 504: "GatewayTimeout"
        default: "HTTP\(status)"
        }
    }

    /// `{"__type": "com.amazonaws.codebuild#ResourceNotFoundException", "message": "..."}`
    static func decodeJSON(_ body: Data) -> (code: String?, message: String?)? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        let type = (object["__type"] as? String) ?? (object["code"] as? String) ?? (object["Code"] as? String)
        let message = (object["message"] as? String) ?? (object["Message"] as? String) ?? (object["errorMessage"] as? String)
        return (type.map(normalizeJSONType).flatMap(nonEmpty), message)
    }

    /// An empty type (`""`, `"prefix#"`) names no code: the status's fallback code stays, as it does for
    /// an XML `<Code/>`, so retries and `isNotFound` still see one.
    private static func nonEmpty(_ code: String) -> String? {
        code.allSatisfy(\.isWhitespace) ? nil : code
    }

    /// Strips the namespace (`prefix#Code`) and the URI suffix (`Code:http://...`) AWS may add.
    static func normalizeJSONType(_ raw: String) -> String {
        var code = Substring(raw)
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        return String(code).trimmingCharacters(in: .whitespaces)
    }

    /// Query (`<ErrorResponse><Error>`), moto's IAM style (`<ErrorResponse><Errors><Error>`) and S3 (`<Error>`).
    static func decodeXML(_ body: Data) -> (code: String?, message: String?, requestID: String?)? {
        guard let root = try? XMLDocument.parse(body) else { return nil }
        guard let error = firstElement(named: "Error", in: root) else { return nil }
        let requestID = root.child("RequestId")?.text ?? root.child("RequestID")?.text ?? error.child("RequestId")?.text
        return (trimmed(error.child("Code")?.text), trimmed(error.child("Message")?.text), trimmed(requestID))
    }

    static func firstElement(named name: String, in element: XMLElement) -> XMLElement? {
        if element.name == name { return element }
        for child in element.children {
            if let found = firstElement(named: name, in: child) { return found }
        }
        return nil
    }

    private static func trimmed(_ text: String?) -> String? {
        guard let value = text?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// A short, single-line, printable excerpt of an unexpected body (an HTML error page, say).
    static func excerpt(_ body: Data, limit: Int = 200) -> String {
        printable(String(decoding: body.prefix(limit * 4), as: UTF8.self), limit: limit)
    }

    /// AWS's messages can echo what a blueprint or a PR put in a request (a validation error quotes
    /// the value), and a proxy can answer anything: what reaches logs, records and statuses is one
    /// line, printable, and bounded.
    static let messageLimit = 2_000
    static let codeLimit = 128

    /// `text` on one line without control characters, cut to `limit` scalars.
    static func printable(_ text: String, limit: Int) -> String {
        let collapsed = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        let scalars = collapsed.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) }
        let cut = scalars.prefix(limit)
        return String(String.UnicodeScalarView(cut)) + (scalars.count > limit ? "…" : "")
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
