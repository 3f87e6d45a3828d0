import Foundation
import GitHub

/// `issue_comment` deliveries: `/prenv` commands. Same rules as `pull_request`: the signature is
/// checked first (in `receive`), a command is recorded in the inbox before the 202, and redeliveries
/// and replays are recorded once. Recorded under the PR's inbox key, so the PR's worker orders a
/// command with the PR's own events; everything else is answered "ignored" with the reason and not
/// stored, so a busy repository's chatter costs one decode and nothing on disk.
extension WebhookIntake {
    func receiveIssueComment(_ envelope: WebhookEnvelope) async -> OutcomeResponse {
        let event: IssueCommentEvent
        do {
            event = try IssueCommentEvent.decode(from: envelope.payload)
        } catch {
            return .error(400, "malformed issue_comment payload: \(error)", deliveryID: envelope.deliveryID)
        }
        if let reason = event.ignoredReason ?? event.staleReason(at: now()) {
            return .ignored(reason, deliveryID: envelope.deliveryID)
        }
        guard let selectsRepository, await selectsRepository(event.repository.fullName) else {
            return .ignored("no blueprint lists repository \(event.repository.fullName) in on.repositories",
                            deliveryID: envelope.deliveryID)
        }
        return await record(envelope, key: event.inboxKey, contentKey: event.contentKey(event: envelope.event),
                            what: "comment \(event.comment.id)")
    }
}
