import Foundation

/// An AWS access key pair, optionally with the session token of temporary (STS) credentials.
///
/// The secret and the token are the two values that must never reach a log, so every textual
/// representation (`description`, `debugDescription`, and the reflection `Mirror` used by `dump`)
/// shows only the access key id, which AWS treats as a non-secret identifier.
public struct AWSCredentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; `nil` for long-term keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether `date` is at or past the expiration, allowing `margin` seconds of early refresh.
    /// Long-term credentials (no expiration) never expire.
    public func isExpired(at date: Date, margin: TimeInterval = 0) -> Bool {
        guard let expiration else { return false }
        return date.addingTimeInterval(margin) >= expiration
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key id followed by a redaction marker, e.g. `AKIDEXAMPLE…(redacted)`.
    public var description: String {
        "\(accessKeyID)…(redacted)"
    }

    /// Like `description`, plus whether a token is present and the expiration, still without secrets.
    public var debugDescription: String {
        let token = sessionToken == nil ? "none" : "(redacted)"
        let expiry = expiration.map { AMZDate(date: $0).timestamp } ?? "none"
        return "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: (redacted), "
            + "sessionToken: \(token), expiration: \(expiry))"
    }

    /// Keeps `dump(credentials)` and debugger summaries from printing the stored secret.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": "(redacted)",
                "sessionToken": sessionToken == nil ? "none" : "(redacted)",
                "expiration": expiration as Any,
            ],
            displayStyle: .struct
        )
    }
}
