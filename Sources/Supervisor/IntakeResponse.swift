import Foundation

/// What the webhook endpoint answers: a status code and a small JSON body saying why, so a person
/// reading GitHub's "Recent Deliveries" page sees what prenv did with each one.
public struct IntakeResponse: Sendable, Equatable {
    public var status: Int
    /// `accepted`, `duplicate`, `ignored`, `pong`, or `error`.
    public var outcome: String
    public var message: String
    public var deliveryID: String?

    public init(status: Int, outcome: String, message: String, deliveryID: String? = nil) {
        self.status = status
        self.outcome = outcome
        self.message = message
        self.deliveryID = deliveryID
    }

    public var body: Data {
        var object = ["outcome": outcome, "message": message]
        if let deliveryID { object["delivery"] = deliveryID }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }

    static func error(_ status: Int, _ message: String, deliveryID: String? = nil) -> Self {
        IntakeResponse(status: status, outcome: "error", message: message, deliveryID: deliveryID)
    }

    static func ignored(_ message: String, deliveryID: String?) -> Self {
        IntakeResponse(status: 202, outcome: "ignored", message: message, deliveryID: deliveryID)
    }
}
