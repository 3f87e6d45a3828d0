@testable import Supervisor
import Testing

/// The `outcome` label of `prenv_webhooks_received_total`, read from what the intake answered.
@Suite struct WebhookOutcomeTests {
    @Test(arguments: [
        (202, "accepted", "accepted"), (202, "duplicate", "duplicate"), (202, "ignored", "ignored"), (200, "pong", "pong"),
        (401, "error", "rejected_signature"), (400, "error", "malformed"), (413, "error", "too_large"), (503, "error", "unavailable"),
        (500, "error", "other"),
    ])
    func outcome(status: Int, outcome: String, label: String) {
        let answer = OutcomeResponse(status: status, outcome: outcome, message: "m")
        #expect(WebhookIntake.outcome(of: answer).rawValue == label)
    }
}
