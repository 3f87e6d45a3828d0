import Foundation
import GitHub
import Orchestrator

/// How far a listing is trusted as GitHub's answer about a PR prenv knows.
///
/// A listing is read, then its entries are fed to the machines, with awaits in between: a `closed`
/// (or a push) of the same `updated_at` second can be applied meanwhile, and the listing, read
/// before it, still says open. A machine takes GitHub's answer of its own second as the truth
/// (`gitHubAnswered` settles same-second ties), so fed as an answer that stale entry would reopen a
/// closed PR's environment until the next check. An entry is therefore fed only to the machines it
/// is strictly newer for; when a machine accepted the same second and the entry disagrees with it,
/// the single-PR lookup, GitHub's answer now, is asked instead. An entry older than what a machine
/// accepted, or of its second and agreeing, tells it nothing.
extension EnvironmentSupervisor {
    /// What a PR's machines get from its listing entry.
    struct ListingAnswer {
        var pullRequest: PullRequestEvent.PullRequest
        /// The entry itself, to be fed only where it is strictly newer (`absorbAnswer(newerOnly:)`);
        /// false for a fresh single-PR answer.
        var fromListing: Bool
    }

    /// The answer to feed the machines of the PR `listed` shows, or nil when there is nothing to feed:
    /// nothing is newer, or the lookup a same-second disagreement needs failed (logged; the next
    /// pass asks again) or was cancelled.
    func answer(listed: PullRequestEvent.PullRequest, repository: PullRequestEvent.Repository) async -> ListingAnswer? {
        switch use(ofListed: listed, repository: repository) {
        case .nothing:
            return nil
        case .feed:
            return ListingAnswer(pullRequest: listed, fromListing: true)
        case .askGitHub:
            guard let lookup = pullRequests else { return nil }
            logger.debug("the listing disagrees with an event of the same second; asking GitHub", metadata: [
                "pr": "\(repository.fullName)#\(listed.number)",
            ])
            do {
                let current = try await lookup.pullRequest(repository: repository.fullName, number: listed.number)
                return ListingAnswer(pullRequest: current, fromListing: false)
            } catch is CancellationError {
                return nil
            } catch {
                logger.warning("could not check pull request", metadata: [
                    "pr": "\(repository.fullName)#\(listed.number)", "error": "\(error)",
                ])
                return nil
            }
        }
    }

    enum ListedEntryUse: Equatable {
        /// Older than, or of the same second as and agreeing with, what every machine accepted.
        case nothing
        /// Strictly newer for some machine, and no machine of its second disagrees.
        case feed
        /// A machine accepted its second and disagrees (or holds a tie of that second).
        case askGitHub
    }

    /// How the listing entry `listed` relates to what each machine of the PR accepted.
    func use(ofListed listed: PullRequestEvent.PullRequest, repository: PullRequestEvent.Repository) -> ListedEntryUse {
        let event = Self.answerEvent(listed, repository: repository)
        guard let sequence = event.sequence else {
            logger.warning("listed pull request has an unreadable updated_at; ignored", metadata: ["pr": "\(event.inboxKey)"])
            return .nothing
        }
        let isOpen = listed.state != "closed"
        var use = ListedEntryUse.nothing
        for (key, _, decision) in decisions(for: event) {
            guard let machine = slots[key]?.record.machine else { continue }
            if sequence > machine.lastSequence {
                use = .feed
            } else if sequence == machine.lastSequence {
                // Agreeing: what the machine acts on (open or closed, target) and what it keeps for
                // expiry (head, labels: a keep label) are the same, and no tie is held.
                let says: EnvironmentStateMachine.Observation = isOpen ? .init(event.snapshot(sequence: sequence), decision) : .closed
                let agrees = machine.unconfirmed == nil && machine.isClosed != isOpen && machine.lastObservation == says
                    && machine.pushedHead == listed.head.sha && machine.labels.sorted() == event.labelNames.sorted()
                if !agrees { return .askGitHub }
            }
        }
        return use
    }

    /// GitHub's view of a PR as the event `gitHubAnswered` is built from.
    nonisolated static func answerEvent(_ current: PullRequestEvent.PullRequest, repository: PullRequestEvent.Repository) -> PullRequestEvent {
        PullRequestEvent(action: current.state == "closed" ? "closed" : "synchronize", pullRequest: current, repository: repository)
    }
}
