/// Every failure of an AWS call, in one shape: which service and operation, AWS's own code and message.
///
/// Transport failures (nothing answered) use `httpStatus == nil` and codes like `ConnectionFailed`,
/// so callers and users see one error type whatever went wrong. Never carries credentials.
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
        public static let cancelled = "Cancelled"
        public static let transport = "TransportError"
        public static let invalidResponse = "InvalidResponse"
        public static let credentials = "CredentialsNotFound"
        public static let invalidRequest = "InvalidRequest"
    }

    /// True when AWS itself said the resource does not exist, whatever spelling the service uses.
    public var isNotFound: Bool {
        [
            "NoSuchBucket", "NoSuchKey", "NotFound", "ResourceNotFoundException",
            "PipelineNotFoundException", "PipelineExecutionNotFoundException",
        ].contains(code) || (code == "ValidationError" && message.contains("does not exist"))
    }
}
