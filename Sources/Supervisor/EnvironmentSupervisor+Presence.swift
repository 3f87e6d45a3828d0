import Blueprint
import Foundation
import Logging
import Orchestrator

/// The supervisor's side of the presence layer (`EnvironmentPresence`): what it knows that the
/// narrator does not (the PR's head, when it was pushed, the blueprint's URLs).
extension EnvironmentSupervisor {
    /// A push the machine accepted: writes about the PR's earlier head are superseded (the
    /// reporter drops them rather than spend GitHub's budget on them).
    func headMoved(_ key: EnvironmentKey, from old: String, to new: String) {
        guard old != new else { return }
        statuses.headMoved(repository: key.repository, pullRequest: key.pr, to: new)
    }

    /// When the environment will expire for want of a push, if its blueprint says it does.
    func expiresAt(_ key: EnvironmentKey) -> Date? {
        guard let after = environmentBlueprint(key)?.expiry?.after, let pushedAt = slots[key]?.record.machine.pushedAt else { return nil }
        return pushedAt.addingTimeInterval(after)
    }
}
