import Foundation

/// What prenv's HTTP endpoints answer when they say what happened rather than serve data: a status
/// code and a small JSON body, `{"delivery":…,"message":…,"outcome":…}` with sorted keys. Webhook
/// deliveries get it (so a person reading GitHub's "Recent Deliveries" page sees what prenv did with
/// each one), and so do the errors of the other routes (a body too large, an unreadable store).
/// The body is a contract: scripts and the delivery page read it.
public struct OutcomeResponse: Sendable, Equatable {
    public var status: Int
    /// `accepted`, `duplicate`, `ignored`, `pong`, or `error`.
    public var outcome: String
    public var message: String
    /// GitHub's `X-GitHub-Delivery`, when the request was a delivery that carried one.
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
        return Data(JSONText.object(object).utf8)
    }

    public static func error(_ status: Int, _ message: String, deliveryID: String? = nil) -> Self {
        OutcomeResponse(status: status, outcome: "error", message: message, deliveryID: deliveryID)
    }

    static func ignored(_ message: String, deliveryID: String?) -> Self {
        OutcomeResponse(status: 202, outcome: "ignored", message: message, deliveryID: deliveryID)
    }
}
