import HTTPTransport
import Foundation

extension AWSClient {
    /// Calls a JSON 1.1 operation (CodeBuild, CodePipeline): POST `/` with `X-Amz-Target`.
    public func json<Output: Decodable>(
        _ service: AWSService, _ operation: String, _ input: some Encodable, as output: Output.Type = Output.self
    ) async throws(AWSError) -> Output {
        guard case .json(let targetPrefix) = service.wireProtocol else {
            preconditionFailure("\(service) does not speak JSON 1.1")
        }
        let body: Data
        do {
            body = try AWSJSON.encoder.encode(input)
        } catch {
            throw AWSError(service: service.name, operation: operation, code: AWSError.ClientCode.invalidRequest, message: "could not encode request: \(error)")
        }
        var headers = HTTPHeaders()
        headers["Content-Type"] = "application/x-amz-json-1.1"
        headers["X-Amz-Target"] = "\(targetPrefix).\(operation)"
        let request = HTTPRequest(method: "POST", url: endpoints.url(for: service).appendingSlashPath(), headers: headers, body: body)
        let response = try await send(request, service: service, operation: operation)
        do {
            let data = response.body.isEmpty ? Data("{}".utf8) : response.body
            return try AWSJSON.decoder.decode(Output.self, from: data)
        } catch {
            throw AWSError(
                service: service.name, operation: operation, code: AWSError.ClientCode.invalidResponse,
                message: "unreadable \(operation) response: \(AWSJSON.describe(error))",
                requestID: response.headers["x-amzn-RequestId"], httpStatus: response.status)
        }
    }
}

/// JSON settings shared by the JSON 1.1 services: timestamps are epoch seconds.
public enum AWSJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// AWS sends epoch seconds; some emulators send ISO 8601 strings. Both are accepted.
    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            if let seconds = try? container.decode(Double.self) { return Date(timeIntervalSince1970: seconds) }
            let text = try container.decode(String.self)
            if let date = parseISO8601(text) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a timestamp: \(text)")
        }
        return decoder
    }()

    static func parseISO8601(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = fractional.date(from: text) { return date }
        // Python's isoformat() without a zone, as moto writes it: treat as UTC.
        return plain.date(from: text.split(separator: ".").first.map { String($0) + "Z" } ?? text)
    }

    /// A decoding error as "key path: problem", without dumping the payload.
    static func describe(_ error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return String(describing: error) }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch decodingError {
        case .keyNotFound(let key, let context): return "missing \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return String(describing: error)
        }
    }
}

/// The empty JSON object, for operations whose input or output has no members.
public struct AWSEmpty: Codable, Sendable, Equatable {
    public init() {}
}

extension URL {
    /// The endpoint with path "/" (JSON and Query services post to the root).
    func appendingSlashPath() -> URL {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return self }
        if components.path.isEmpty { components.path = "/" }
        return components.url ?? self
    }
}
