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
        guard let after = blueprints[key.blueprint]?.expiry?.after, let pushedAt = slots[key]?.record.machine.pushedAt else { return nil }
        return pushedAt.addingTimeInterval(after)
    }

    /// The deployment's URL (`status.environment_url`, else `status.target_url`), rendered and checked
    /// as the status link is (`StatusTargetURL`).
    static func deploymentURL(blueprint: Blueprint, context: PRContext, outputs: [String: [String: String]], logger: Logger) -> URL? {
        guard let template = blueprint.status.deploymentURL else { return nil }
        switch StatusTargetURL.render(template, context: context, blueprint: blueprint.name, outputs: outputs) {
        case let .url(url):
            return url
        case .unresolved:
            return nil
        case let .refused(reason):
            logger.warning("deployment link dropped", metadata: [
                "blueprint": "\(blueprint.name)", "pr": "\(context.fullRepositoryName)#\(context.number)", "reason": "\(reason)",
            ])
            return nil
        }
    }
}
