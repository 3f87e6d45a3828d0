import Foundation
import GitHub
import Orchestrator

/// A teardown that has kept failing past `--teardown-alert-after`: the resources of a closed PR are
/// still there and still cost money, and the retries' backoff alone would let that go on quietly
/// for good (a permission prenv lacks, a bucket policy, a stack protected from deletion). What the
/// operator needs to fix it: what blocks, and AWS's words for why.
struct StuckTeardown: Sendable, Equatable {
    var failures: Int
    /// When the first failure of the run ended.
    var since: Date
    /// `node (type physical-name)`, or "an unrecorded resource" when the record names no failed node.
    var resource: String
    /// The failed node's `lastError` (AWS's reason), else the machine's failure reason.
    var reason: String

    /// The commit status: `Teardown stuck for 6h 5m: build (aws/codebuild-project pr-7-build): <reason>`.
    func statusDescription(now: Date) -> String {
        "Teardown stuck for \(Self.duration(now.timeIntervalSince(since))): \(resource): \(reason)"
    }

    /// `2d 3h`, `6h 5m`, `12m`: whole minutes, at most two units.
    static func duration(_ seconds: TimeInterval) -> String {
        let minutes = max(0, Int(seconds / 60))
        let (days, hours, rest) = (minutes / 1440, minutes % 1440 / 60, minutes % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(rest)m" }
        return "\(rest)m"
    }
}

extension EnvironmentStateMachine {
    /// The backoff of a teardown that is failing now (the environment is wanted gone and the last
    /// destroys failed); nil otherwise, e.g. when a failed apply left a backoff of an earlier teardown.
    var failingTeardown: TeardownBackoff? {
        guard let teardownBackoff, case .absent = desired else { return nil }
        return teardownBackoff
    }
}

extension EnvironmentSupervisor {
    /// Six hours: long enough that AWS's own transient trouble (throttling, eventual consistency) has
    /// passed, short enough that a stuck teardown is noticed within a working day.
    public static let defaultTeardownAlertAfter: TimeInterval = 6 * 3600

    /// The stuck teardown of `key`, or nil when it is not failing or not yet for longer than
    /// `teardownAlertAfter`. Posts the alert (a `failure` status on the PR's last head, in the
    /// environment's context) when the threshold is first crossed, and again only when the blocking
    /// resource or AWS's reason changes; forgets it once the teardown no longer fails, so a later
    /// stuck run alerts afresh. The description is masked and cut like every status (`StatusNarrator`).
    /// - Throws: `CancellationError` when the task is cancelled reading the record (shutting down):
    ///   nothing is posted, and the caller ends its pass.
    func stuckTeardown(_ key: EnvironmentKey) async throws(CancellationError) -> StuckTeardown? {
        guard let backoff = slots[key]?.record.machine.failingTeardown else {
            teardownAlerts[key] = nil
            return nil
        }
        guard backoff.failingFor(at: now()) > teardownAlertAfter else { return nil }
        let blocker = try await blockingResource(key)
        // The read above let other work run: only alert about what still holds.
        guard let record = slots[key]?.record, let current = record.machine.failingTeardown else { return nil }
        let stuck = StuckTeardown(failures: current.failures, since: current.firstFailure,
                                  resource: blocker?.resource ?? "an unrecorded resource",
                                  reason: blocker?.reason ?? record.machine.phase.reason ?? "no reason recorded")
        let signature = stuck.resource + "\n" + stuck.reason
        if teardownAlerts[key] != signature {
            teardownAlerts[key] = signature
            narrator(for: key, sha: record.pullRequest.headSHA).environment(.failure, stuck.statusDescription(now: now()))
        }
        return stuck
    }

    /// The first failed node of the environment's record (by id), with its `lastError`; nil when the
    /// store names none or cannot be read (the machine's reason is used then). Cancellation is passed on.
    private func blockingResource(_ key: EnvironmentKey) async throws(CancellationError) -> (resource: String, reason: String)? {
        let record: EnvironmentRecord?
        do {
            record = try await store.load(key)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.warning("could not read the record of a stuck teardown", metadata: ["environment": "\(key)", "error": "\(error)"])
            return nil
        }
        guard let node = record?.nodes.values.filter({ $0.status == .failed && $0.lastError != nil }).min(by: { $0.id < $1.id }),
              let lastError = node.lastError
        else { return nil }
        let name = [node.type.rawValue, node.physicalName].compactMap { $0 }.joined(separator: " ")
        // The executor writes "<node>: delete failed: …"; the node is named already, and the status has 140 characters.
        let reason = lastError.hasPrefix("\(node.id): ") ? String(lastError.dropFirst(node.id.count + 2)) : lastError
        return ("\(node.id) (\(name))", reason)
    }

    /// The warning each retry of a stuck teardown logs. Masked (`Redaction`) and made printable: the
    /// reason is AWS's text and may quote what a PR's build wrote.
    func logStuckTeardownRetry(_ key: EnvironmentKey, _ stuck: StuckTeardown) {
        logger.warning("teardown still failing past --teardown-alert-after; retrying", metadata: [
            "environment": "\(key)", "failures": "\(stuck.failures)", "since": "\(stuck.since.ISO8601Format())",
            "resource": "\(GitHubClient.printable(Redaction.masked(stuck.resource)))",
            "reason": "\(GitHubClient.printable(Redaction.masked(stuck.reason)))",
        ])
    }
}
