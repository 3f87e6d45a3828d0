import Blueprint
import Foundation
import GitHub
import Orchestrator

extension EnvironmentSupervisor {
    /// Starts the operation queued for `key` (already saved), reporting statuses as it goes.
    func launch(_ key: EnvironmentKey) {
        guard !stopping, slots[key]?.task == nil, let action = pendingLaunch.removeValue(forKey: key), var slot = slots[key] else { return }
        slot.runID += 1
        let runID = slot.runID
        let pullRequest = slot.record.pullRequest
        switch action {
        case .apply(let sha):
            slot.task = applyTask(key: key, sha: sha, pullRequest: pullRequest, runID: runID)
        case .destroy:
            var reason = "pull request closed"
            if case .absent(let why) = slot.record.machine.desired { reason = why }
            slot.task = destroyTask(key: key, sha: pullRequest.headSHA, reason: reason, runID: runID)
        case .cancelApply, .ignore:
            break
        }
        slots[key] = slot
    }

    private func applyTask(key: EnvironmentKey, sha: String, pullRequest: PRContext, runID: Int) -> Task<Void, Never> {
        let narrator = narrator(for: key, sha: sha)
        guard let blueprint = blueprints[key.blueprint] else {
            let reason = "blueprint \(key.blueprint) is no longer loaded"
            narrator.environment(.failure, reason)
            return Task { await self.finished(key, runID: runID, .applyFinished(sha: sha, success: false, reason: reason)) }
        }
        let context = pullRequest.at(sha: sha)
        let operations = operations
        logger.info("apply", metadata: ["environment": "\(key)", "sha": "\(sha)"])
        narrator.environment(.pending, "Provisioning \(blueprint.resources.count) resources at \(sha.prefix(7))")
        return Task {
            let observer = OperationObserver(progress: narrator.progress, stage: narrator.stage)
            let result = await operations.apply(blueprint: blueprint, context: context, key: key, observer: observer)
            let reason = Self.reason(result)
            // Stopped by a shutdown: the run resumes at the next start, so it is not "superseded".
            guard !stopping else { return }
            if result.succeeded {
                let url = Self.targetURL(blueprint: blueprint, context: context, outputs: result.record?.createdOutputs ?? [:])
                narrator.environment(.success, "Environment ready: \(result.outcomes.count) resources", targetURL: url)
            } else if result.failedNodes.isEmpty, result.error == nil {
                narrator.environment(.error, "Superseded before it finished")
            } else {
                narrator.environment(.failure, "Provisioning failed: \(reason)")
            }
            await self.finished(key, runID: runID, .applyFinished(sha: sha, success: result.succeeded, reason: reason))
        }
    }

    private func destroyTask(key: EnvironmentKey, sha: String, reason: String, runID: Int) -> Task<Void, Never> {
        let narrator = narrator(for: key, sha: sha)
        let operations = operations
        logger.info("destroy", metadata: ["environment": "\(key)", "reason": "\(reason)"])
        narrator.environment(.pending, "Tearing down: \(reason)")
        return Task {
            let result = await operations.destroy(key: key, observer: OperationObserver(progress: narrator.progress, stage: narrator.stage))
            guard !stopping else { return }  // resumes at the next start; not a failure
            if result.succeeded {
                narrator.environment(.success, "Environment destroyed: \(reason)")
            } else {
                narrator.environment(.failure, "Teardown failed (prenv retries): \(Self.reason(result))")
            }
            await self.finished(key, runID: runID, .destroyFinished(success: result.succeeded, reason: Self.reason(result)))
        }
    }

    /// The first root cause in AWS's words, else the summary: what a failure status says.
    static func reason(_ result: ExecutionResult) -> String {
        if let error = result.error { return String(describing: error) }
        return result.errors.first.map(String.init(describing:)) ?? result.summary
    }

    /// `status.target_url` once every output it names is known; only http(s) links are posted.
    static func targetURL(blueprint: Blueprint, context: PRContext, outputs: [String: [String: String]]) -> URL? {
        guard let template = blueprint.statusTargetURL,
              let text = template.render(context: context, blueprint: blueprint.name, outputs: outputs).value,
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else { return nil }
        return url
    }

    // MARK: Reconciler

    /// Processed deliveries are kept a week (for looking into what GitHub sent), then deleted, so
    /// the inbox does not grow without bound. Unprocessed ones are never deleted.
    static var inboxRetention: TimeInterval { 7 * 24 * 3600 }

    /// A failing teardown is retried after 1, 2, 4 … minutes, at most hourly: soon enough that a
    /// fixed permission ends the cost quickly, rarely enough that GitHub's 1000 statuses per commit
    /// and context (each retry posts two) last for weeks.
    static func teardownRetryDelay(after failures: Int) -> TimeInterval {
        min(3600, 60 * pow(2, Double(min(max(failures - 1, 0), 6))))
    }

    /// One pass of the periodic reconciler: drains PRs with pending events (a wake lost to a failed
    /// write), starts operations whose save failed, and retries failed teardowns, because an
    /// environment whose PR is closed must not keep costing money.
    public func reconcileOnce() async {
        guard !stopping else { return }
        do {
            for prKey in try await inbox.pendingKeys() { await drain(prKey) }
            let pruned = try await inbox.prune(processedBefore: now().addingTimeInterval(-Self.inboxRetention))
            if pruned > 0 { logger.debug("pruned processed webhook deliveries", metadata: ["count": "\(pruned)"]) }
        } catch {
            logger.error("reconciler could not read the inbox", metadata: ["error": "\(error)"])
        }
        for key in slots.keys.sorted() where slots[key]?.task == nil {
            if pendingLaunch[key] == nil, let machine = slots[key]?.record.machine, machine.running == nil,
               case .absent = machine.desired, machine.hasResources, case .failed = machine.phase {
                if let failed = failedTeardowns[key], now() < failed.last.addingTimeInterval(Self.teardownRetryDelay(after: failed.count)) {
                    continue
                }
                logger.info("retrying failed teardown", metadata: ["environment": "\(key)", "failures": "\(failedTeardowns[key]?.count ?? 0)"])
                route(mutateMachine(key) { $0.retry() }, for: key)
            }
            if pendingLaunch[key] != nil { await persistAndLaunch(key) }
        }
    }

    /// Runs `reconcileOnce` every `interval` until cancelled.
    public func runReconciler(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            await reconcileOnce()
        }
    }
}
