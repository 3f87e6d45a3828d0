import Foundation

/// GitHub's error body (`message`, `errors`, `documentation_url`) plus the HTTP status.
/// Built only from the response, so it can never carry the request's token.
public struct GitHubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One entry of a 422 `errors` array.
    public struct FieldError: Sendable, Equatable, Decodable {
        public var resource: String?
        public var code: String?
        public var field: String?
        public var message: String?

        public init(resource: String? = nil, code: String? = nil, field: String? = nil, message: String? = nil) {
            self.resource = resource
            self.code = code
            self.field = field
            self.message = message
        }
    }

    public var status: Int
    public var message: String
    public var errors: [FieldError]
    public var documentationURL: String?
    /// Set when the refusal is a rate limit (a 403/429 with `Retry-After`, an exhausted
    /// `x-ratelimit-remaining` with its reset, or a secondary-limit message): how long GitHub asks
    /// the client to wait. The write scheduler pauses the token's sender for this long instead of
    /// letting the client sleep inside one write (`GitHubRetryPolicy.waitsOnRateLimits`).
    public var retryAfter: Duration?

    public init(status: Int, message: String, errors: [FieldError] = [], documentationURL: String? = nil, retryAfter: Duration? = nil) {
        self.status = status
        self.message = message
        self.errors = errors
        self.documentationURL = documentationURL
        self.retryAfter = retryAfter
    }

    /// Whether GitHub refused for a rate limit rather than for what was asked.
    public var isRateLimit: Bool { retryAfter != nil }

    private struct Body: Decodable {
        var message: String?
        var errors: [FieldError]?
        var documentation_url: String?
    }

    /// Parses GitHub's JSON error body; falls back to a short excerpt of whatever came back.
    public init(status: Int, body: Data) {
        if let parsed = try? JSONDecoder().decode(Body.self, from: body) {
            // `{"message":""}` says as little as no message: the status, not a blank, goes into logs and statuses.
            let message = parsed.message.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
            self.init(status: status, message: message ?? "HTTP \(status)", errors: parsed.errors ?? [],
                      documentationURL: parsed.documentation_url)
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(status: status, message: text.isEmpty ? "HTTP \(status)" : text)
        }
    }

    /// `GitHub 422: Validation Failed (description: description is too long (maximum is 140 characters))`.
    public var description: String {
        var text = "GitHub \(status): \(message)"
        let details = errors.compactMap { error -> String? in
            guard let message = error.message ?? error.code else { return nil }
            return error.field.map { "\($0): \(message)" } ?? message
        }
        if !details.isEmpty { text += " (\(details.joined(separator: "; ")))" }
        return text
    }
}
