import HTTPTransport
import Foundation

/// The JSON document served by the ECS/EKS container endpoint and EC2 instance metadata:
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "Code"?}`.
///
/// Decoding errors name the missing or malformed field, never a value, since the body holds secrets.
enum CredentialsDocument {
    static func decode(_ body: Data, provider: String, location: String) throws -> AWSCredentials {
        func failure(_ message: String) -> CredentialError {
            CredentialError(.fetchFailed, provider: provider, message, location: location)
        }
        guard let object = try? JSONSerialization.jsonObject(with: body), let fields = object as? [String: Any] else {
            throw failure("response is not a JSON object")
        }
        // IMDS reports failures in-band ("Code": "Success" otherwise); the code itself is not secret.
        if let code = fields["Code"] as? String, code != "Success" {
            throw failure("credentials response has Code \"\(code.prefix(64))\"")
        }
        func string(_ key: String) throws -> String {
            guard let value = fields[key] as? String, !value.isEmpty else { throw failure("credentials response lacks \(key)") }
            return value
        }
        let accessKey = try string("AccessKeyId")
        let secretKey = try string("SecretAccessKey")
        let token = fields["Token"] as? String
        var expiration: Date?
        if let text = fields["Expiration"] as? String {
            guard let date = parseTimestamp(text) else { throw failure("credentials response has an unreadable Expiration") }
            expiration = date
        }
        return AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey,
                              sessionToken: token?.isEmpty == false ? token : nil, expiration: expiration)
    }

    /// ISO 8601 with or without fractional seconds (`2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.123+00:00`).
    static func parseTimestamp(_ text: String) -> Date? {
        let plain = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return (try? plain.parse(text)) ?? (try? fractional.parse(text))
    }
}

/// Metadata endpoints are on-link and either answer at once or not at all: retry transport errors and 5xx a few
/// times without waiting, return anything else to the caller (the last 5xx too, so it can be reported with its
/// status). Runs HTTPTransport's `RetryLoop`, which lets cancellation through and retries nothing after it.
func sendWithRetries(_ request: HTTPRequest, via transport: any HTTPSender, attempts: Int) async throws -> HTTPResponse {
    /// A 5xx inside the loop; the last one is returned, not thrown.
    struct ServerError: Error { let response: HTTPResponse }
    do {
        return try await RetryLoop(maxAttempts: max(1, attempts), sleep: { _ in }).run { _ in
            let response = try await transport.send(request)
            if response.status >= 500 { throw ServerError(response: response) }
            return response
        } delay: { error, _ in
            switch error {
            case is ServerError: .zero
            case let error as HTTPTransportError where error.kind != .cancelled: .zero
            default: nil
            }
        }
    } catch let error as ServerError {
        return error.response
    }
}

/// scheme://host[:port]/path only: query strings and user-info can carry secrets and are never shown.
func displayURL(_ url: URL) -> String {
    var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
    components?.query = nil
    components?.fragment = nil
    components?.user = nil
    components?.password = nil
    return components?.string ?? "<url>"
}
