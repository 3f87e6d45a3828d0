import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator

extension EnvironmentSupervisor {
    /// Starts the operation the machine of `key` awaits (already saved), reporting statuses as it
    /// goes. Under the PR's lease: the task is created in its scope (`underLease`) so it inherits
    /// the task-locals, and every state write the operation makes (executor, providers) carries the
    /// fencing token, every GitHub write its ownership.
    func launch(_ key: EnvironmentKey) {
        guard !stopping, !quiescing, var slot = slots[key], slot.task == nil, let operation = slot.record.machine.awaitingStart,
              let holding = validLease(key.leaseKey) else { return }
        _ = slot.record.machine.handle(.started(operation))
        let pullRequest = slot.record.pullRequest
        // Created in the context's scope, so the operation's task and every task it makes inherit it.
        slot.task = LogContext.$current.withValue(.environment(key, delivery: slot.delivery)) { underLease(holding) {
            switch operation {
            case .apply(let sha):
                return applyTask(key: key, sha: sha, pullRequest: pullRequest, holding: holding)
            case .destroy:
                var reason = "pull request closed"
                if case .absent(let why) = slot.record.machine.desired { reason = why }
                return destroyTask(key: key, sha: pullRequest.headSHA, reason: reason, expired: slot.record.machine.isExpired, holding: holding)
            }
        } }
        slots[key] = slot
    }

    private func applyTask(key: EnvironmentKey, sha: String, pullRequest: PRContext, holding: Holding) -> Task<Void, Never> {
        let narrator = narrator(for: key, sha: sha)
        let presence = presence
        guard let blueprint = environmentBlueprint(key) else {
            let reason = "blueprint \(key.blueprint) is no longer loaded"
            narrator.environment(.failure, reason)
            narrator.settle(.init(state: .failed, summary: "Provisioning failed", error: reason), headRef: pullRequest.headRef)
            return Task { await self.finished(key, .applyFinished(sha: sha, success: false, reason: reason), holding: holding) }
        }
        let context = pullRequest.at(sha: sha)
        let operations = operations
        logger.info("apply", metadata: ["environment": "\(key)", "sha": "\(sha)"])
        narrator.environment(.pending, "Provisioning \(blueprint.resources.count) resources at \(sha.prefix(7))")
        presence.began(key, sha: sha, headRef: context.headRef, destroying: false, blueprint: blueprint, expiresAt: expiresAt(key))
        return Task {
            let observer = OperationTelemetry(blueprint: blueprint).observing(narrator.progress)
            let result = await operations.apply(blueprint: blueprint, context: context, key: key, observer: observer)
            let reason = Self.reason(result)
            // Stopped by a shutdown: the run resumes at the next start, so it is not "superseded".
            // The PR lost meanwhile: the new owner resumes the run and tells its end.
            guard !stopping, await confirm(holding) else { return }
            if result.succeeded {
                let outputs = result.record?.createdOutputs ?? [:]
                let url = Self.targetURL(blueprint: blueprint, context: context, outputs: outputs, logger: logger)
                let summary = "Environment ready: \(result.outcomes.count) resources"
                narrator.environment(.success, summary, targetURL: url)
                let preview = Self.deploymentURL(blueprint: blueprint, context: context, outputs: outputs, logger: logger)
                narrator.settle(.init(state: .ready, summary: summary, record: result.record, previewURL: preview), headRef: context.headRef)
            } else if result.failedNodes.isEmpty, result.error == nil {
                narrator.environment(.error, "Superseded before it finished")
                narrator.settle(.init(state: .superseded, summary: "Superseded before it finished", record: result.record))
            } else {
                narrator.environment(.failure, "Provisioning failed: \(reason)")
                narrator.settle(.init(state: .failed, summary: "Provisioning failed", record: result.record, error: reason), headRef: context.headRef)
            }
            await self.finished(key, .applyFinished(sha: sha, success: result.succeeded, reason: reason, transient: result.failedTransiently, at: self.now()), holding: holding)
        }
    }

    private func destroyTask(key: EnvironmentKey, sha: String, reason: String, expired: Bool, holding: Holding) -> Task<Void, Never> {
        let narrator = narrator(for: key, sha: sha)
        let operations = operations
        let now = now
        let telemetry = OperationTelemetry(blueprint: environmentBlueprint(key))
        logger.info("destroy", metadata: ["environment": "\(key)", "reason": "\(reason)"])
        narrator.environment(.pending, "Tearing down: \(reason)")
        presence.began(key, sha: sha, headRef: slots[key]?.record.pullRequest.headRef ?? "", destroying: true, blueprint: environmentBlueprint(key),
                       expiresAt: nil)
        return Task {
            let result = await operations.destroy(key: key, observer: telemetry.observing(narrator.progress))
            guard !stopping, await confirm(holding) else { return }  // resumes at the next start (or owner); not a failure
            if result.succeeded, expired {
                narrator.expired(reason, record: result.record)
            } else if result.succeeded {
                narrator.environment(.success, "Environment destroyed: \(reason)")
                narrator.settle(.init(state: .destroyed, summary: "Environment destroyed: \(reason)", record: result.record))
            } else {
                narrator.environment(.failure, "Teardown failed (prenv retries): \(Self.reason(result))")
                narrator.settle(.init(state: .teardownFailed, summary: "Teardown failed (prenv retries)", record: result.record,
                                      error: Self.reason(result)))
            }
            await self.finished(key, .destroyFinished(success: result.succeeded, reason: Self.reason(result), at: now()), holding: holding)
        }
    }

    /// The first root cause in AWS's words, else the summary: what a failure status says.
    static func reason(_ result: ExecutionResult) -> String {
        if let error = result.error { return String(describing: error) }
        return result.errors.first.map(String.init(describing:)) ?? result.summary
    }

    /// `status.target_url` once every output it names is known, with interpolated values encoded for
    /// where they land (see `StatusTargetURL`). A link that would lead elsewhere than the blueprint's
    /// host is dropped: the status goes out without one, and the operator reads why here.
    static func targetURL(blueprint: Blueprint, context: PRContext, outputs: [String: [String: String]], logger: Logger) -> URL? {
        link(blueprint.statusTargetURL, what: "status link", blueprint: blueprint, context: context, outputs: outputs, logger: logger)
    }

    /// The deployment's URL (`status.environment_url`, else `status.target_url`), rendered and checked
    /// as the status link is.
    static func deploymentURL(blueprint: Blueprint, context: PRContext, outputs: [String: [String: String]], logger: Logger) -> URL? {
        link(blueprint.status.deploymentURL, what: "deployment link", blueprint: blueprint, context: context, outputs: outputs, logger: logger)
    }

    private static func link(
        _ template: Template?, what: String, blueprint: Blueprint, context: PRContext, outputs: [String: [String: String]], logger: Logger
    ) -> URL? {
        guard let template else { return nil }
        switch StatusTargetURL.render(template, context: context, blueprint: blueprint.name, outputs: outputs) {
        case let .url(url):
            return url
        case .unresolved:
            return nil
        case let .refused(reason):
            logger.warning("\(what) dropped", metadata: [
                "blueprint": "\(blueprint.name)", "pr": "\(context.fullRepositoryName)#\(context.number)", "reason": "\(reason)",
            ])
            return nil
        }
    }
}
