import Blueprint
import Foundation
import GitHub
import Orchestrator

/// Catching up on pull requests that opened while prenv was not listening (down, or its webhook
/// lost): GitHub does not retry a failed delivery, so without this such a PR would never get an
/// environment, and `checkPullRequests` only asks about PRs prenv already knows.
///
/// Each pass lists the open PRs of every repository a blueprint names literally (conditional
/// requests: an unchanged page is a `304` that costs no rate limit) and records each PR prenv has
/// never seen as a synthesised `opened` delivery in the inbox, exactly as intake records a webhook.
/// The delivery id and content key are derived from the PR's content, so a second pass records
/// nothing new and a real `opened` webhook with the same content is a duplicate; one with different
/// content is ordered by `updated_at` like any other. A repository selected by a glob (`acme/*`)
/// cannot be listed without listing the owner's repositories, so it is left to webhooks and the
/// per-PR checks, and said once at start.
extension EnvironmentSupervisor {
    /// Delivery ids of synthesised deliveries start with this, so the inbox shows where they came from.
    static let listingDeliveryPrefix = "prenv-open-listing-"

    /// The repositories blueprints name literally (listable), in order without repeats (GitHub names
    /// are case-insensitive), and the glob patterns that cannot be listed.
    public nonisolated static func listableRepositories(_ blueprints: some Sequence<Blueprint>) -> (literal: [String], globs: [String]) {
        var literal: [String] = []
        var globs: [String] = []
        for pattern in blueprints.sorted(by: { $0.name < $1.name }).flatMap({ $0.triggers.repositories.map(\.pattern) }) {
            if pattern.contains("*") || pattern.contains("?") {
                if !globs.contains(pattern) { globs.append(pattern) }
            } else if PullRequestEvent.Repository(fullName: pattern) != nil,
                      !literal.contains(where: { $0.lowercased() == pattern.lowercased() }) {
                literal.append(pattern)
            }
        }
        return (literal, globs)
    }

    /// Said once, at start: which `on.repositories` entries the open-PR listing cannot cover.
    func reportUnlistableRepositories() {
        guard pullRequests != nil else { return }
        let globs = Self.listableRepositories(blueprints.values).globs
        guard !globs.isEmpty else { return }
        logger.notice("repositories selected by a glob are not listed for pull requests opened while prenv was not listening; name them literally in on.repositories to have them listed",
                      metadata: ["globs": "\(globs.joined(separator: ", "))"])
    }

    /// One listing pass over every literally named repository. A listing that fails (GitHub down, no
    /// permission, a hostile page) is logged and skipped until the next pass; it never changes an
    /// environment.
    ///
    /// - Returns: the open PRs of each repository listed in full, by lowercased `owner/name` and
    ///   number, so `checkPullRequests` can take its answers from them instead of one request each.
    @discardableResult
    public func catchUpOnOpenPullRequests() async -> [String: [Int: PullRequestEvent.PullRequest]] {
        guard let lookup = pullRequests, !stopping else { return [:] }
        var listed: [String: [Int: PullRequestEvent.PullRequest]] = [:]
        for repository in Self.listableRepositories(blueprints.values).literal {
            guard !Task.isCancelled, !stopping else { return listed }
            let listing: PullRequestListing
            do {
                listing = try await lookup.openPullRequests(repository: repository)
            } catch is CancellationError {
                return listed
            } catch {
                logger.warning("could not list open pull requests", metadata: ["repository": "\(repository)", "error": "\(error)"])
                continue
            }
            logger.debug("listed open pull requests", metadata: [
                "repository": "\(repository)", "open": "\(listing.pullRequests.count)",
                "pages_fetched": "\(listing.fetchedPages)", "pages_not_modified": "\(listing.notModifiedPages)",
            ])
            // Only what the listing can vouch for: open PRs of the repository asked about.
            let vouched = listing.pullRequests.map(\.pullRequest)
                .filter { $0.state == "open" && $0.base.repo.fullName.lowercased() == repository.lowercased() }
            listed[repository.lowercased()] = Dictionary(vouched.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
            for item in listing.pullRequests.sorted(by: { $0.pullRequest.number < $1.pullRequest.number }) {
                guard !Task.isCancelled, !stopping else { return listed }
                await catchUp(item, listedFrom: repository)
            }
        }
        return listed
    }

    /// Records a never-seen open PR as an `opened` delivery and wakes its worker; gives a known PR
    /// whose environments all count it closed (reopened while prenv was not listening) the listing as
    /// GitHub's answer where it is strictly newer, or GitHub's single-PR answer when the listing
    /// disagrees with an event of its own second (it may predate the `closed`; `+ListingAnswers`).
    private func catchUp(_ item: ListedPullRequest, listedFrom repository: String) async {
        let pullRequest = item.pullRequest
        let baseRepository = pullRequest.base.repo.fullName
        guard pullRequest.state == "open", baseRepository.lowercased() == repository.lowercased(),
              let repo = PullRequestEvent.Repository(fullName: baseRepository)
        else {
            logger.warning("listing returned a pull request that is not an open one of the repository listed; ignored", metadata: [
                "repository": "\(repository)", "pr": "\(pullRequest.number)",
                "base": "\(GitHubClient.printable(baseRepository))", "state": "\(GitHubClient.printable(pullRequest.state))",
            ])
            return
        }
        let event = PullRequestEvent(action: "opened", pullRequest: pullRequest, repository: repo)
        var known = knownSlots(repo, number: pullRequest.number)
        let saved: [WorkerRecord]
        do {
            saved = known.isEmpty ? try await workerStore.workers(leaseKey: event.inboxKey) : []
        } catch is CancellationError {
            return
        } catch {
            // Not "never seen": recording a synthetic `opened` for a PR whose records cannot be read
            // could reopen one that closed. The next pass asks again.
            logger.warning("could not read a listed pull request's worker records; the next pass tries again", metadata: [
                "pr": "\(event.inboxKey)", "error": "\(error)",
            ])
            return
        }
        if !saved.isEmpty {
            // Known to another replica, or to nobody now (closed and done). Only one whose machines
            // all count it closed is this pass's business, and its owner's: this replica, if free.
            guard saved.allSatisfy(\.machine.isClosed), await claim(event.inboxKey) != nil else { return }
            known = knownSlots(repo, number: pullRequest.number)
            if !known.isEmpty { await catchUpReopened(known, listed: pullRequest, repository: repo) }
            await releaseIfDone(event.inboxKey)
            return
        }
        if !known.isEmpty {
            await catchUpReopened(known, listed: pullRequest, repository: repo)
            return
        }
        guard blueprints.values.contains(where: { $0.triggers.selects(repository: repo.fullName, baseBranch: pullRequest.base.ref) }) else {
            return  // a webhook for it would create no environment either
        }
        guard event.sequence != nil else {
            logger.warning("listed pull request has an unreadable updated_at; ignored", metadata: ["pr": "\(event.inboxKey)"])
            return
        }
        do {
            // Something recorded and not yet processed (the real `opened`, say) is the worker's to handle.
            guard try await inbox.pendingHeaders(key: event.inboxKey).isEmpty else { return }
            let payload = try Self.openedPayload(item, repository: repo)
            let contentKey = event.contentKey(event: "pull_request")
            let result = try await inbox.append(deliveryID: Self.listingDeliveryPrefix + contentKey, contentKey: contentKey,
                                                event: "pull_request", key: event.inboxKey, payload: payload, receivedAt: now())
            guard case .recorded = result else { return }
            logger.info("caught up with a pull request opened while prenv was not listening", metadata: [
                "pr": "\(event.inboxKey)", "head": "\(GitHubClient.printable(pullRequest.head.sha))",
            ])
            wake(event.inboxKey)
        } catch is CancellationError {
            return  // shutting down: the next pass after the restart records it
        } catch {
            logger.error("could not record a pull request found by the listing; the next pass tries again", metadata: [
                "pr": "\(event.inboxKey)", "error": "\(error)",
            ])
        }
    }

    private func knownSlots(_ repository: PullRequestEvent.Repository, number: Int) -> [EnvironmentKey: Slot] {
        slots.filter { $0.key.repository.lowercased() == repository.fullName.lowercased() && $0.key.pr == number }
    }

    /// A known PR listed open: if every environment counts it closed, it was reopened while prenv
    /// was not listening, and the listing (or GitHub's single-PR answer) is fed to the machines.
    private func catchUpReopened(_ known: [EnvironmentKey: Slot], listed pullRequest: PullRequestEvent.PullRequest,
                                 repository: PullRequestEvent.Repository) async {
        guard known.values.allSatisfy(\.record.machine.isClosed),
              let answer = await answer(listed: pullRequest, repository: repository), !stopping, !Task.isCancelled
        else { return }
        for key in absorbAnswer(answer.pullRequest, repository: repository, newerOnly: answer.fromListing) {
            logger.info("caught up with a pull request reopened while prenv was not listening", metadata: ["environment": "\(key)"])
            await persistAndLaunch(key)
        }
    }

    /// A `pull_request` delivery as GitHub would send for `opened`: the listing's PR object verbatim
    /// and the repository it belongs to.
    nonisolated static func openedPayload(_ item: ListedPullRequest, repository: PullRequestEvent.Repository) throws -> Data {
        let pullRequest = try JSONSerialization.jsonObject(with: item.json)
        let root: [String: Any] = [
            "action": "opened", "number": item.pullRequest.number, "pull_request": pullRequest,
            "repository": ["full_name": repository.fullName, "name": repository.name, "owner": ["login": repository.owner.login]],
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
