import Foundation
import GitHub
import Logging
import Orchestrator

/// Turns one operation's progress into commit statuses: `prenv/<blueprint>` for the environment,
/// `prenv/<blueprint>/<node>` per resource, `prenv/<blueprint>/<node>/<stage>` per pipeline stage.
/// Descriptions say what is happening, or AWS's reason on failure (`CommitStatus` trims to 140).
/// A four-resource apply posts about 16 statuses: start and end per resource and per pipeline stage.
/// Every description is masked (`Redaction`) before it is cut to length, so a key at the cut is
/// masked too; when masking changed it, the full text goes to `logger` for the operator.
struct StatusNarrator: Sendable {
    let reporter: StatusReporter
    let repository: String
    let sha: String
    let blueprint: String
    var logger = Logger(label: "prenv.statuses")

    var environmentContext: String { "prenv/\(blueprint)" }

    func environment(_ state: CommitStatus.State, _ description: String, targetURL: URL? = nil) {
        post(state, environmentContext, description, targetURL: targetURL)
    }

    /// An environment destroyed (or never started) for want of a push: the reason alone, which
    /// says how to bring it back. Success: nothing is wrong with the commit.
    func expired(_ reason: String) {
        environment(.success, reason)
    }

    /// Queued behind a blueprint's `limits.max_environments`.
    func waitingForSlot(ahead: Int) {
        environment(.pending, Self.waitingForSlot(ahead: ahead))
    }

    static func waitingForSlot(ahead: Int) -> String { "Waiting for a slot (\(ahead) ahead)" }

    func progress(_ event: ProgressEvent) {
        let context = "\(environmentContext)/\(event.node)"
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
        let masked = Redaction.masked(description)
        if masked != description {
            logger.info("status description masked; full text here only", metadata: [
                "repository": "\(repository)", "sha": "\(sha.prefix(12))", "context": "\(context)", "description": "\(description)",
            ])
        }
        let status = CommitStatus(state: state, context: context, description: masked, targetURL: targetURL)
        reporter.submit(repository: repository, sha: sha, status: status)
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
