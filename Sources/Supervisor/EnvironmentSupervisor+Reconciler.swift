import Foundation
import GitHub
import Orchestrator
import Telemetry

/// The supervisor's periodic passes, which catch up on what the event path missed: the reconciler
/// (stragglers in the inbox, starts whose save failed, teardown retries the machines ask for) and
/// the pull-request checks (webhooks GitHub never delivered).
///
/// With several replicas, the per-PR work (the machines' periodic check: teardown retries and
/// expiry; tie settling; `checkPullRequests`) runs on each PR's owner, over its own slots: the
/// machines' state lives with the owner, so each PR is still checked by exactly one replica at a
/// time, and handing machines to a leader would be a protocol of its own. Only what concerns no
/// single PR runs on the leader (`LeaderElection`): inbox pruning, the open-PR listing (which
/// records deliveries in the inbox, idempotently) and the orphan sweep.
extension EnvironmentSupervisor {
    /// Processed deliveries are kept a week (for looking into what GitHub sent), then deleted, so
    /// the inbox does not grow without bound. Unprocessed ones are never deleted.
    static var inboxRetention: TimeInterval { 7 * 24 * 3600 }

    /// One pass of the periodic reconciler: drains PRs with pending events (a wake lost to a failed
    /// write) that it holds and claims those with work nobody holds, asks GitHub again about same-second ties it could not answer, starts operations whose
    /// save failed, and gives every machine its periodic check, in
    /// which it retries a failed teardown once its backoff is over (an environment whose PR is
    /// closed must not keep costing money) and expires one without a push for longer than its
    /// blueprint's `expire.after`; then fills the slots that freed. A teardown failing past
    /// `teardownAlertAfter` is reported (`stuckTeardown`).
    public func reconcileOnce() async {
        guard !stopping else { return }
        do {
            // Pending events of PRs held here (a wake lost to a failed write); those of PRs nobody
            // holds are claimed below.
            for prKey in try await inbox.pendingKeys() where ledger.held(prKey) != nil { await drain(prKey) }
            if await replica.leader.isLeader() {
                let pruned = try await inbox.prune(processedBefore: now().addingTimeInterval(-Self.inboxRetention))
                if pruned > 0 { logger.debug("pruned processed webhook deliveries", metadata: ["count": "\(pruned)"]) }
            }
        } catch is CancellationError {
            return  // shutting down
        } catch {
            logger.error("reconciler could not read the inbox", metadata: ["error": "\(error)"])
        }
        await claimUnownedWork()
        for id in Set(slots.filter { $0.value.record.machine.unconfirmed != nil }.map { PullRequestID(repository: $0.key.repository, number: $0.key.pr) }).sorted() {
            guard let repository = PullRequestEvent.Repository(fullName: id.repository) else { continue }
            for key in await settleTies(of: repository, number: id.number) { await persistAndLaunch(key) }
        }
        for key in slots.keys.sorted() {
            // Before the check: its await must not fall between the machine's decision and `route`.
            let stuck: StuckTeardown?
            do { stuck = try await stuckTeardown(key) } catch { return }  // cancelled: shutting down, quietly
            guard slots[key] != nil else { continue }
            let failures = slots[key]?.record.machine.teardownBackoff?.failures ?? 0
            let wasExpired = slots[key]?.record.machine.isExpired ?? false
            let expiry = environmentBlueprint(key)?.expiry
            let actions = mutateMachine(key) { $0.handle(.periodicCheck(now: now(), expiry: expiry)) }
            if !wasExpired, let record = slots[key]?.record, record.machine.isExpired {
                await expired(record)
                continue
            }
            if actions.contains(where: { if case .apply = $0 { true } else { false } }) {
                logger.info("retrying apply after a transient failure", metadata: ["environment": "\(key)"])
            }
            if actions.contains(.destroy) {
                if let stuck {
                    logStuckTeardownRetry(key, stuck)
                } else {
                    logger.info("retrying failed teardown", metadata: ["environment": "\(key)", "failures": "\(failures)"])
                }
            }
            route(actions, for: key)
            if slots[key]?.record.machine.awaitingStart != nil { await persistAndLaunch(key) }
        }
        await fillSlots()  // an expiry may have freed a slot or left the queue
        for held in ledger.all { await releaseIfDone(held.lease.key) }
    }

    /// An environment the periodic check just expired: saved (expiry is durable), its teardown
    /// started; one that held nothing (waiting for a slot) says so at once.
    private func expired(_ record: WorkerRecord) async {
        let key = record.key
        logger.info("environment expired", metadata: [
            "environment": "\(key)", "pushed_at": "\(record.machine.pushedAt?.ISO8601Format() ?? "?")",
        ])
        if record.machine.awaitingStart == nil, case .skipped(let reason) = record.machine.phase {
            narrator(for: key, sha: record.pullRequest.headSHA).expired(reason)
        }
        await persistAndLaunch(key)
    }

    /// Runs `reconcileOnce` every `interval` until cancelled.
    public func runReconciler(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            let started = ContinuousClock.now
            await reconcileOnce()
            Telemetry.passFinished(.reconciler, duration: started.duration(to: .now))
        }
    }

    /// Catches up on webhooks that never arrived: GitHub does not retry a failed delivery, so a
    /// `closed` lost while prenv was down would leave an environment running (and costing money)
    /// for good. Asks GitHub about each PR whose environment prenv still wants, and feeds the answer
    /// to the machines as GitHub's answer (`gitHubAnswered`): a closed PR is destroyed, a newer head
    /// or changed labels applied. `updated_at` orders it against the webhooks, so a stale answer
    /// changes nothing, and one of the same second settles a tie whatever order webhooks came in.
    /// A PR of a repository the same pass listed in full (`listed`) is answered by its listing entry
    /// at no cost, where the entry is strictly newer than what a machine accepted (one of the same
    /// second that disagrees is looked up instead: the listing may predate it, `+ListingAnswers`);
    /// only such a tie, a PR missing from that listing (closed since, most likely) or one of a
    /// repository not listed (a glob, a failed listing) costs one request. A lookup failure (404, no permission,
    /// GitHub down) skips that PR until the next pass and never destroys anything.
    public func checkPullRequests(listed: [String: [Int: PullRequestEvent.PullRequest]] = [:]) async {
        guard let lookup = pullRequests, !stopping else { return }
        let open = Set(slots.values.filter { !$0.record.machine.isClosed }.map { PullRequestID(repository: $0.record.key.repository, number: $0.record.key.pr) })
        for id in open.sorted() {
            guard !Task.isCancelled else { return }  // shutting down
            guard let repository = PullRequestEvent.Repository(fullName: id.repository) else { continue }
            let answer: ListingAnswer
            if let entry = listed[id.repository.lowercased()]?[id.number] {
                // Trusted only where strictly newer; a same-second disagreement is looked up (`+ListingAnswers`).
                guard let fromListing = await self.answer(listed: entry, repository: repository) else { continue }
                answer = fromListing
            } else {
                do {
                    answer = ListingAnswer(pullRequest: try await lookup.pullRequest(repository: id.repository, number: id.number),
                                           fromListing: false)
                } catch is CancellationError {
                    return  // shutting down
                } catch {
                    logger.warning("could not check pull request", metadata: ["pr": "\(id.repository)#\(id.number)", "error": "\(error)"])
                    continue
                }
            }
            guard !stopping, !Task.isCancelled else { return }
            let current = answer.pullRequest
            for key in absorbAnswer(current, repository: repository, newerOnly: answer.fromListing) {
                logger.info("caught up with a missed webhook", metadata: ["environment": "\(key)", "state": "\(current.state)", "head": "\(current.head.sha)"])
                await persistAndLaunch(key)
            }
        }
        await fillSlots()  // a caught-up close may have left the queue
    }

    /// Runs the open-PR listing (`catchUpOnOpenPullRequests`), then `checkPullRequests` answered
    /// from it where it can, every `interval` until cancelled. For a repository of N open PRs a pass
    /// costs one request per 100 PRs (a `304` when nothing changed, which GitHub does not count)
    /// plus one per PR that left the listing, instead of N.
    public func runPullRequestChecks(every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            let started = ContinuousClock.now
            await checkPullRequestsOnce()
            Telemetry.passFinished(.pullRequestCheck, duration: started.duration(to: .now))
        }
    }

    /// One pass of `runPullRequestChecks`: the listing on the leader only; the checks of the PRs
    /// this replica holds everywhere (a replica that does not lead looks each of them up: one
    /// request per PR instead of a share of the leader's listing).
    public func checkPullRequestsOnce() async {
        let listed = await replica.leader.isLeader() ? await catchUpOnOpenPullRequests() : [:]
        await checkPullRequests(listed: listed)
    }
}

struct PullRequestID: Hashable, Comparable {
    var repository: String
    var number: Int

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.repository, lhs.number) < (rhs.repository, rhs.number) }
}
