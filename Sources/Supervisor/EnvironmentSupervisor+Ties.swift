import Foundation
import GitHub
import Orchestrator

/// Carrying out the machines' "ask GitHub": webhooks of one `updated_at` second that disagree
/// (open or closed, head, labels) are settled by the PR as GitHub reports it now, never by the
/// order they happened to arrive in. The decisions are the machine's (`EnvironmentStateMachine+Ties`);
/// this only asks and reports the answer back.
extension EnvironmentSupervisor {
    /// Asks GitHub once about a PR whose machines hold a tie, and feeds them the answer; returns the
    /// keys whose machine changed (to save and launch). A failed lookup changes nothing: the tie
    /// stays held, saved with the machine, and the reconciler asks again; guessing could destroy
    /// an open PR's environment.
    func settleTies(of repository: PullRequestEvent.Repository, number: Int) async -> [EnvironmentKey] {
        let held = slots.filter {
            $0.key.repository == repository.fullName && $0.key.pr == number && $0.value.record.machine.unconfirmed != nil
        }
        guard !held.isEmpty, let lookup = pullRequests, !stopping else { return [] }
        let current: PullRequestEvent.PullRequest
        do {
            current = try await lookup.pullRequest(repository: repository.fullName, number: number)
        } catch is CancellationError {
            return []  // shutting down; the held tie is saved and asked about after the restart
        } catch {
            logger.warning("could not ask GitHub to order same-second events; retrying on the next pass", metadata: [
                "pr": "\(repository.fullName)#\(number)", "error": "\(error)",
            ])
            return []
        }
        guard !stopping else { return [] }
        logger.info("same-second events ordered by GitHub's answer", metadata: [
            "pr": "\(repository.fullName)#\(number)", "state": "\(current.state)", "head": "\(current.head.sha)",
        ])
        return absorbAnswer(current, repository: repository)
    }

    /// Feeds GitHub's current view of a PR to each machine it concerns, as `gitHubAnswered`; returns
    /// the keys whose machine changed. Shared by tie settling and the lost-webhook checks.
    /// - Parameter newerOnly: feed only machines that accepted an older second than `current`'s: for
    ///   a listing entry, which may predate an event of its own second (`+ListingAnswers`).
    func absorbAnswer(_ current: PullRequestEvent.PullRequest, repository: PullRequestEvent.Repository,
                      newerOnly: Bool = false) -> [EnvironmentKey] {
        let event = Self.answerEvent(current, repository: repository)
        guard let sequence = event.sequence else {
            logger.warning("GitHub's pull request has an unreadable updated_at; ignored", metadata: ["pr": "\(event.inboxKey)"])
            return []
        }
        var changed: [EnvironmentKey] = []
        for (key, _, decision) in decisions(for: event) {
            guard var slot = slots[key], !newerOnly || sequence > slot.record.machine.lastSequence else { continue }
            let before = slot.record.machine
            let isCurrent = sequence >= before.lastSequence
            let actions = slot.record.machine.handle(.gitHubAnswered(event.snapshot(sequence: sequence), decision,
                                                                     isOpen: current.state != "closed"))
            if isCurrent {
                headMoved(key, from: slot.record.pullRequest.headSHA, to: event.context.headSHA)
                slot.record.pullRequest = event.context
            }
            slots[key] = slot
            route(actions, for: key)
            guard slot.record.machine != before else { continue }
            changed.append(key)
            if isCurrent, current.state != "closed" { reportSkipped(key) }
        }
        return changed
    }

    /// Without a token prenv cannot ask, so same-second ties go by arrival order, as before the
    /// rule existed. Said once per process: it is a configuration fact, not news per event.
    func warnTiesWithoutGitHub(_ key: EnvironmentKey) {
        guard !warnedTiesWithoutGitHub else { return }
        warnedTiesWithoutGitHub = true
        logger.warning("webhooks of one second disagree and no GitHub token is set: ordering them by arrival, which can be wrong; set a token so prenv can ask GitHub", metadata: ["environment": "\(key)"])
    }
}
