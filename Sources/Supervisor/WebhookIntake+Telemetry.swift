import Foundation
import HTTPTransport
import Telemetry

extension WebhookIntake {
    /// Handles one delivery and records it: counted by event and outcome, its time to the answer
    /// observed (`prenv_webhooks_received_total`, `prenv_webhook_intake_duration_seconds`).
    public func receive(headers: HTTPHeaders, body: Data) async -> OutcomeResponse {
        let started = ContinuousClock.now
        let answer = await answer(headers: headers, body: body)
        Telemetry.webhookReceived(event: Telemetry.WebhookEvent(header: headers["X-GitHub-Event"]), outcome: Self.outcome(of: answer),
                                  duration: started.duration(to: .now))
        return answer
    }

    /// The metric outcome of an answer, from its status and `outcome` field.
    static func outcome(of answer: OutcomeResponse) -> Telemetry.WebhookOutcome {
        switch (answer.status, answer.outcome) {
        case (202, "accepted"): .accepted
        case (202, "duplicate"): .duplicate
        case (202, "ignored"): .ignored
        case (200, "pong"): .pong
        case (401, _): .rejectedSignature
        case (400, _): .malformed
        case (413, _): .tooLarge
        case (503, _): .unavailable
        default: .other
        }
    }
}
