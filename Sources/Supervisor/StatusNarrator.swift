import Foundation
import GitHub
import Orchestrator

/// Turns one operation's progress into commit statuses: `prenv/<blueprint>` for the environment,
/// `prenv/<blueprint>/<node>` per resource, `prenv/<blueprint>/<node>/<stage>` per pipeline stage.
/// Descriptions say what is happening, or AWS's reason on failure (`CommitStatus` trims to 140).
/// A four-resource apply posts about 16 statuses: start and end per resource and per pipeline stage.
struct StatusNarrator: Sendable {
    let reporter: StatusReporter
    let repository: String
    let sha: String
    let blueprint: String

    var environmentContext: String { "prenv/\(blueprint)" }

    func environment(_ state: CommitStatus.State, _ description: String, targetURL: URL? = nil) {
        post(CommitStatus(state: state, context: environmentContext, description: description, targetURL: targetURL))
    }

    func progress(_ event: ProgressEvent) {
        let context = "\(environmentContext)/\(event.node)"
        switch event {
        case .started(_, let action, _):
            post(CommitStatus(state: .pending, context: context, description: Self.starting(action)))
        case .progress:
            // Providers report several lines per resource; as statuses they would cost GitHub API
            // quota (secondary limits count status writes) for little news. Stages get their own.
            break
        case .stage(let update):
            stage(update)
        case .succeeded(_, let action, let duration):
            post(CommitStatus(state: .success, context: context, description: Self.finished(action, in: duration)))
        case .failed(_, _, let error, _):
            post(CommitStatus(state: .failure, context: context, description: "\(error.phase.rawValue) failed: \(error.underlying)"))
        case .skipped(_, _, let blockedBy):
            post(CommitStatus(state: .failure, context: context, description: "Not run: \(blockedBy.joined(separator: ", ")) failed"))
        case .cancelled:
            post(CommitStatus(state: .error, context: context, description: "Cancelled: superseded by a newer commit or the pull request closing"))
        }
    }

    func stage(_ update: StageProgress) {
        let context = "\(environmentContext)/\(update.node)/\(update.stage)"
        let execution = String(update.executionID.prefix(8))
        let status: CommitStatus = switch update.status {
        case "InProgress": CommitStatus(state: .pending, context: context, description: "Running (execution \(execution))")
        case "Succeeded": CommitStatus(state: .success, context: context, description: "Succeeded (execution \(execution))")
        case "Failed": CommitStatus(state: .failure, context: context, description: update.summary ?? "Failed (execution \(execution))")
        case "Stopped", "Stopping", "Cancelled": CommitStatus(state: .error, context: context, description: "\(update.status) (execution \(execution))")
        default: CommitStatus(state: .pending, context: context, description: "\(update.status) (execution \(execution))")
        }
        post(status)
    }

    private func post(_ status: CommitStatus) {
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
