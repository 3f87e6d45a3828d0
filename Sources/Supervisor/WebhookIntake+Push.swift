import Foundation
import GitHub

/// `push` deliveries: a base branch moved, so the `.prenv/` blueprints it holds may have changed
/// under live environments. Taken only where a repository's blueprints are read; recorded once per
/// PR whose environments come from that branch's `.prenv/` (each PR's worker then reads the folder
/// again, in order with the PR's own events), under a delivery id and content key of its own so a
/// redelivery is still recorded once per PR. A push no PR depends on costs one store read and
/// nothing on disk.
extension WebhookIntake {
    func receivePush(_ envelope: WebhookEnvelope) async -> OutcomeResponse {
        let event: PushEvent
        do {
            event = try PushEvent.decode(from: envelope.payload)
        } catch {
            return .error(400, "malformed push payload: \(error)", deliveryID: envelope.deliveryID)
        }
        guard let branch = event.movedBranch, let pushTargets else {
            return .ignored("prenv acts on pushes that move a branch only", deliveryID: envelope.deliveryID)
        }
        let repository = event.repository.fullName
        let targets: [String]
        do {
            targets = try await pushTargets(repository, branch)
        } catch {
            return .error(503, "could not read which pull requests the push concerns; see prenv's log, then redeliver",
                          deliveryID: envelope.deliveryID)
        }
        guard !targets.isEmpty else {
            return .ignored("no environment of \(repository) comes from .prenv/ on that branch", deliveryID: envelope.deliveryID)
        }
        var recorded = 0
        for key in targets {
            var perPullRequest = envelope
            perPullRequest.deliveryID = "\(envelope.deliveryID)/\(key)"
            let answer = await record(perPullRequest, key: key, contentKey: "push \(repository)@\(branch) \(event.after) \(key)",
                                      what: "push to the base branch")
            guard answer.status == 202 else {
                // Recorded for some PRs, not all: GitHub's redelivery records the rest once (the others are duplicates).
                return .error(answer.status, "recorded for \(recorded) of \(targets.count) pull requests; redeliver",
                              deliveryID: envelope.deliveryID)
            }
            recorded += 1
        }
        return OutcomeResponse(status: 202, outcome: "accepted", message: "push recorded for \(recorded) pull requests",
                               deliveryID: envelope.deliveryID)
    }
}
