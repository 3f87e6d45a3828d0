import Blueprint
import Foundation
import GitHub
import Logging
import Orchestrator

/// Turns one operation's progress into commit statuses: `prenv/<blueprint>` for the environment,
/// `prenv/<blueprint>/<node>` per resource, `prenv/<blueprint>/<node>/<stage>` per pipeline stage.
/// Descriptions say what is happening, or AWS's reason on failure (`CommitStatus` trims to 140).
/// Which of them go out is the blueprint's `status.detail` (`StatusDetailFilter`): at `all`, a
/// four-resource apply posts about 16 statuses (start and end per resource and pipeline stage); at
/// the default `stages`, the summary and each stage's end. Every event also reaches the
/// environment's presence (`EnvironmentPresence`: the comment, the deployment, `/api/environments`).
/// Every description is masked (`Redaction`) before it is cut to length, so a key at the cut is
/// masked too; when masking changed it, the full text goes to `logger` for the operator.
struct StatusNarrator: Sendable {
    let reporter: StatusReporter
    let repository: String
    let sha: String
    let blueprint: String
    var logger = Logger(label: "prenv.statuses")
    /// `all` when not said: what this narrator posted before `status.detail` existed.
    var detail: StatusSettings.Detail = .all
    /// The PR the statuses are about; set on every write so the reporter can drop superseded ones.
    var pullRequest: Int?
    /// Where progress and final states also go; nil narrates statuses only.
    var presence: EnvironmentPresence?
    /// The PR's branch, for the comment's header.
    var headRef: String?
    /// The lease the supervisor holds the PR under: every write this narrator asks for (statuses,
    /// and the presence's deployment and comment) carries it and is dropped if the lease is lost
    /// before it is sent. Nil: writes are not tied to a lease.
    var ownership: WriteOwnership?
    /// Says nothing (no status, no presence): made by the supervisor for a PR it does not hold.
    var silent = false

    var environmentContext: String { "prenv/\(blueprint)" }

    func environment(_ state: CommitStatus.State, _ description: String, targetURL: URL? = nil) {
        post(state, environmentContext, description, targetURL: targetURL)
    }

    /// An environment destroyed (or never started) for want of a push: the reason alone, which
    /// says how to bring it back. Success: nothing is wrong with the commit.
    func expired(_ reason: String, record: EnvironmentRecord? = nil) {
        environment(.success, reason)
        settle(.init(state: .expired, summary: reason, record: record))
    }

    /// Queued behind a blueprint's `limits.max_environments`.
    func waitingForSlot(ahead: Int) {
        environment(.pending, Self.waitingForSlot(ahead: ahead))
        settle(.init(state: .waitingForSlot, summary: Self.waitingForSlot(ahead: ahead)))
    }

    /// Not provisioned by the blueprint's rules (a fork, a skip label, a base branch).
    func skipped(_ reason: String) {
        environment(.success, "Skipped: \(reason)")
        settle(.init(state: .skipped, summary: "Skipped: \(reason)"))
    }

    var key: EnvironmentKey? { pullRequest.map { EnvironmentKey(repository: repository, pr: $0, blueprint: blueprint) } }

    /// A final state for the presence (comment, deployment), when the narrator has one.
    func settle(_ outcome: EnvironmentPresence.Outcome, headRef: String? = nil) {
        guard let presence, let key, !silent else { return }
        owned { presence.ended(key, sha: sha, headRef: headRef ?? self.headRef, outcome) }
    }

    /// Runs `body` with this narrator's lease as `WriteOwnership.current`, so the writes it asks for carry it.
    private func owned(_ body: () -> Void) {
        guard let ownership else { return body() }
        WriteOwnership.$current.withValue(ownership, operation: body)
    }

    static func waitingForSlot(ahead: Int) -> String { "Waiting for a slot (\(ahead) ahead)" }

    func progress(_ event: ProgressEvent) {
        guard !silent else { return }
        if let presence, let key { owned { presence.progress(key, sha: sha, event) } }
        let context = "\(environmentContext)/\(event.node)"
        if case .stage = event {} else if !StatusDetailFilter.posts(.resource, at: detail) { return }
        switch event {
        case .started(_, let action, _):
            post(.pending, context, Self.starting(action))
        case .progress:
            // Providers report several lines per resource; as statuses they would cost GitHub API
            // quota (secondary limits count status writes) for little news. Stages get their own.
            break
        case .stage(let update):
            stage(update)
        case .succeeded(_, let action, let duration):
            post(.success, context, Self.finished(action, in: duration))
        case .failed(_, _, let error, _):
            post(.failure, context, "\(error.phase.rawValue) failed: \(error.underlying)")
        case .skipped(_, _, let blockedBy):
            post(.failure, context, "Not run: \(blockedBy.joined(separator: ", ")) failed")
        case .cancelled:
            post(.error, context, "Cancelled: superseded by a newer commit or the pull request closing")
        }
    }

    func stage(_ update: StageProgress) {
        guard StatusDetailFilter.posts(.stage(status: update.status), at: detail) else { return }
        let context = "\(environmentContext)/\(update.node)/\(update.stage)"
        let execution = String(update.executionID.prefix(8))
        let (state, description): (CommitStatus.State, String) = switch update.status {
        case "InProgress": (.pending, "Running (execution \(execution))")
        case "Succeeded": (.success, "Succeeded (execution \(execution))")
        case "Failed": (.failure, update.summary ?? "Failed (execution \(execution))")
        case "Stopped", "Stopping", "Cancelled": (.error, "\(update.status) (execution \(execution))")
        default: (.pending, "\(update.status) (execution \(execution))")
        }
        post(state, context, description)
    }

    private func post(_ state: CommitStatus.State, _ context: String, _ description: String, targetURL: URL? = nil) {
        guard !silent else { return }
        let masked = Redaction.masked(description)
        if masked != description {
            logger.info("status description masked; full text here only", metadata: [
                "repository": "\(repository)", "sha": "\(sha.prefix(12))", "context": "\(context)", "description": "\(description)",
            ])
        }
        let status = CommitStatus(state: state, context: context, description: masked, targetURL: targetURL)
        if let presence, let key { presence.journal.status(key, context: context, state: state.rawValue, description: masked, at: presence.now()) }
        owned { reporter.submit(repository: repository, sha: sha, status: status, pullRequest: pullRequest) }
    }

    static func starting(_ action: PlanAction) -> String {
        switch action {
        case .create: "Creating"
        case .update(let changed): "Updating " + changed.joined(separator: ", ")
        case .replace(let reason): "Replacing: \(reason)"
        case .delete: "Deleting"
        case .noop: "Checking (no change planned)"
        }
    }

    static func finished(_ action: PlanAction, in duration: Duration) -> String {
        let seconds = String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        return switch action {
        case .create: "Created in \(seconds)"
        case .update: "Updated in \(seconds)"
        case .replace: "Replaced in \(seconds)"
        case .delete: "Deleted in \(seconds)"
        case .noop: "Up to date"
        }
    }
}
