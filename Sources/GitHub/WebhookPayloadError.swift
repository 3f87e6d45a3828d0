import Foundation

/// A payload that could not be read, with the JSON path (`pull_request.head.sha`) so a log line
/// says which field GitHub (or a test) got wrong instead of Foundation's nested context dump.
public struct WebhookPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Dotted path with `[i]` for array indexes; empty for the document root.
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        path.isEmpty ? "invalid webhook payload: \(reason)" : "invalid webhook payload at \(path): \(reason)"
    }

    static func decoding<T: Decodable>(_ type: T.Type, from body: Data) throws(WebhookPayloadError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let error as DecodingError {
            throw WebhookPayloadError(error)
        } catch {
            throw WebhookPayloadError(path: "", reason: String(describing: error))
        }
    }

    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: Self.render(context.codingPath + [key]), reason: "required field is missing")
        case .typeMismatch(let type, let context):
            self.init(path: Self.render(context.codingPath), reason: "expected \(type)")
        case .valueNotFound(let type, let context):
            self.init(path: Self.render(context.codingPath), reason: "expected \(type), found null")
        case .dataCorrupted(let context):
            self.init(path: Self.render(context.codingPath), reason: Self.corruptReason(context))
        @unknown default:
            self.init(path: "", reason: String(describing: error))
        }
    }

    private static func corruptReason(_ context: DecodingError.Context) -> String {
        guard context.codingPath.isEmpty else { return context.debugDescription }
        let detail = context.underlyingError.map { String(describing: $0) } ?? context.debugDescription
        return "not valid JSON (\(detail))"
    }

    static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let index = key.intValue {
                out += "[\(index)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }
}
