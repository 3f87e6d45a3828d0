import Blueprint
import Foundation
import GitHub
import Orchestrator

extension EnvironmentSupervisor {
    /// Processes every pending event of one PR, oldest first, then anything that arrived meanwhile.
    /// One drain per PR at a time: a second wake while draining just asks for another pass. Only
    /// under the PR's lease (claimed first: `claimAndDrain`), each pass in its scope (`fenced`): the
    /// saves, the inbox mark and the writes asked for carry it. The lease lost midway ends the drain
    /// (the new owner drains the rest); with nothing left to do, the lease is given up.
    func drain(_ prKey: String) async {
        // The wake that started this drain may carry one delivery's context, but a pass takes every
        // pending event: the drain's own lines name the PR only, each event's work its delivery.
        var context = LogContext.current ?? LogContext()
        context.delivery = nil
        await LogContext.$current.withValue(context) { await drainEvents(prKey) }
    }

    private func drainEvents(_ prKey: String) async {
        guard !stopping else { return }
        guard draining.insert(prKey).inserted else {
            drainAgain.insert(prKey)
            return
        }
        repeat {
            drainAgain.remove(prKey)
            guard let holding = validLease(prKey) else { break }
            do {
                try await fenced(holding) { try await drainPass(prKey, holding) }
            } catch let error where Self.isLeaseLoss(error) {
                break  // said by `lose`
            } catch {
                logger.error("could not process events; the reconciler retries", metadata: ["pr": "\(prKey)", "error": "\(error)"])
                failedDrains[prKey] = replica.clock()
                break
            }
            failedDrains[prKey] = nil
        } while drainAgain.contains(prKey) && !stopping
        draining.remove(prKey)
        await releaseIfDone(prKey)
    }

    /// One batch of a PR's pending events, under `holding`: after every await the holding is
    /// checked again (`ensureCurrent`), since the PR may have been lost meanwhile (its slots then
    /// forgotten); nothing is created, saved or marked for a PR no longer held.
    private func drainPass(_ prKey: String, _ holding: Holding) async throws {
        let headers = try await inbox.pendingHeaders(key: prKey)
        try ensureCurrent(holding)
        guard let last = headers.last else {
            // Woken with nothing new: perhaps by another replica that left a free slot to an
            // environment of this PR waiting for one (`fillSlots`).
            if slots.contains(where: { $0.key.leaseKey == prKey && $0.value.record.machine.isWaitingForSlot }) { await fillSlots() }
            return
        }
        // Bodies are read back only for events intake did not leave decoded.
        var held: [Int64: PullRequestEvent] = [:]
        for header in headers where header.event == "pull_request" { held[header.sequence] = decodedEvents.take(header) }
        let unheld = headers.map(\.sequence).filter { held[$0] == nil }
        let payloads = unheld.isEmpty ? [:] : try await inbox.payloads(key: prKey, sequences: unheld)
        try ensureCurrent(holding)
        // Gone between the two reads, though this replica holds the PR: end the pass rather than
        // skip an event unread (the reconciler drains again).
        if let missing = unheld.first(where: { payloads[$0] == nil }) { throw PayloadVanished(key: prKey, sequence: missing) }
        let decoded = headers.compactMap { header in
            decode(InboxEvent(header, payload: payloads[header.sequence] ?? Data()), held: held[header.sequence])
                .map { (recorded: $0, delivery: header.deliveryID) }
        }
        let pullRequestEvents = decoded.compactMap { $0.recorded.pullRequest }
        if let newest = pullRequestEvents.last?.0 { try await readRepositoryBlueprints(for: newest, under: holding) }
        try await createSlots(for: pullRequestEvents, under: holding)
        var touched = Set<EnvironmentKey>()
        for (recorded, delivery) in decoded {
            var context = LogContext.current ?? LogContext()
            context.delivery = delivery
            switch recorded {
            case .pullRequest(let event, let sequence):
                context.repository = event.repository.fullName
                context.pullRequest = event.number
                LogContext.$current.withValue(context) { touched.formUnion(absorb(event, sequence: sequence, delivery: delivery)) }
            case .command(let comment, let command):
                touched.formUnion(try await LogContext.$current.withValue(context) { try await obey(command, in: comment) })
                try ensureCurrent(holding)
            case .basePush(let push):
                touched.formUnion(try await LogContext.$current.withValue(context) { try await baseBranchMoved(push, prKey: prKey, under: holding) })
            }
        }
        // Same-second disagreements the machines held: settled by GitHub's answer (saved as
        // held if GitHub cannot answer now; the reconciler asks again).
        if let event = pullRequestEvents.last?.0 { touched.formUnion(await settleTies(of: event.repository, number: event.number)) }
        try ensureCurrent(holding)
        for key in touched.sorted() { try await persist(key) }
        // Every touched machine saved under this very holding; lost since, another replica
        // drains these events again from its saved state.
        try ensureCurrent(holding)
        try await inbox.markProcessed(key: prKey, through: last.sequence)
        for key in touched.sorted() { launch(key) }
        await fillSlots()  // new environments queue; closed ones leave the queue or free a slot
    }

    /// An event listed as pending whose payload could not be read back.
    struct PayloadVanished: Error, CustomStringConvertible {
        let key: String
        let sequence: Int64
        var description: String { "the payload of event \(sequence) of \(key) was listed as pending but could not be read" }
    }

    /// A recorded event as the worker needs it: a `pull_request` event with its sequence, or a
    /// comment's `/prenv` command.
    enum RecordedEvent {
        case pullRequest(PullRequestEvent, Int)
        case command(IssueCommentEvent, PrenvCommand)
        /// The PR's base branch moved: its `.prenv/` blueprints are read again.
        case basePush(PushEvent)

        var pullRequest: (PullRequestEvent, Int)? {
            guard case .pullRequest(let event, let sequence) = self else { return nil }
            return (event, sequence)
        }
    }

    /// An undecodable recorded event (recorded by a prenv that understood more) is logged and
    /// skipped rather than blocking the PR forever. `held`: the event as intake decoded it.
    nonisolated func decode(_ event: InboxEvent, held: PullRequestEvent?) -> RecordedEvent? {
        if event.event == "push" {
            guard let push = try? PushEvent.decode(from: event.payload) else {
                logger.error("skipping undecodable recorded event", metadata: ["delivery": "\(event.deliveryID)"])
                return nil
            }
            return .basePush(push)
        }
        if event.event == "issue_comment" {
            guard let comment = try? IssueCommentEvent.decode(from: event.payload), let command = comment.command else {
                logger.error("skipping undecodable recorded event", metadata: ["delivery": "\(event.deliveryID)"])
                return nil
            }
            // Intake refused stale comments; a recorded one is judged by when it was recorded, not
            // now: the inbox is durable, so a command recorded in time still runs after an outage.
            if let reason = comment.staleReason(at: event.receivedAt) {
                logger.notice("skipping a recorded /prenv command", metadata: ["delivery": "\(event.deliveryID)", "reason": "\(reason)"])
                return nil
            }
            presence.journal.received(event, comment: comment, command: command)
            return .command(comment, command)
        }
        guard let decoded = held ?? (try? PullRequestEvent.decode(from: event.payload)),
              let sequence = decoded.sequence else {
            logger.error("skipping undecodable recorded event", metadata: ["delivery": "\(event.deliveryID)"])
            return nil
        }
        presence.journal.received(event, pullRequest: decoded)
        return .pullRequest(decoded, sequence)
    }

    /// The blueprints whose environments an event concerns, with the decision for each.
    func decisions(for event: PullRequestEvent) -> [(EnvironmentKey, Blueprint?, Decision)] {
        let repository = event.repository.fullName
        var result: [(EnvironmentKey, Blueprint?, Decision)] = []
        for blueprint in blueprints.values.sorted(by: { $0.name < $1.name }) {
            let key = EnvironmentKey(repository: repository, pr: event.number, blueprint: blueprint.name)
            if blueprint.triggers.selects(repository: repository, baseBranch: event.pullRequest.base.ref) {
                result.append((key, blueprint, blueprint.matches(repository: repository, baseBranch: event.pullRequest.base.ref,
                                                                 labels: event.labelNames, isFork: event.isFromFork)))
            } else if slots[key] != nil {
                result.append((key, blueprint, .skip(reason: "base branch \(event.pullRequest.base.ref) no longer matches on.base_branches")))
            }
        }
        result += repositoryDecisions(for: event)
        // Environments of blueprints no longer loaded can still be destroyed from their record.
        for key in slots.keys where key.repository == repository && key.pr == event.number && blueprints[key.blueprint] == nil
            && !Self.isRepositoryBlueprint(key) {
            result.append((key, nil, .skip(reason: "blueprint \(key.blueprint) is no longer loaded")))
        }
        return result
    }

    /// New workers start knowing whether the store already holds resources for them (an environment
    /// made by `prenv up`, or a worker table lost), so a close destroys those too.
    /// Only under `holding`, checked after each await: a slot is never made for a PR not held.
    func createSlots(for events: [(PullRequestEvent, Int)], under holding: Holding) async throws {
        for (event, _) in events {
            for (key, _, _) in decisions(for: event) where slots[key] == nil {
                let recorded = try await store.load(key)?.hasLiveNodes ?? false
                try ensureCurrent(holding)
                guard slots[key] == nil else { continue }
                var machine = EnvironmentStateMachine(hasRecordedResources: recorded)
                _ = machine.handle(.slotsLimited(environmentBlueprint(key)?.limits.maxEnvironments != nil))
                let record = WorkerRecord(key: key, machine: machine, pullRequest: event.context, revision: 0, updatedAt: now())
                slots[key] = Slot(record: record)
            }
        }
    }

    /// Feeds one event to the machines it concerns; returns the keys whose machine it touched.
    /// `delivery`: the event's delivery id, which the next operation of each touched machine logs under.
    func absorb(_ event: PullRequestEvent, sequence: Int, delivery: String? = nil) -> [EnvironmentKey] {
        var touched: [EnvironmentKey] = []
        for (key, _, decision) in decisions(for: event) {
            guard let machineEvent = event.machineEvent(sequence: sequence, decision: decision), var slot = slots[key] else { continue }
            var accepted = slot.record.machine.isFresh(sequence)
            var actions = slot.record.machine.handle(machineEvent)
            if actions.contains(.confirmWithGitHub) {
                if pullRequests == nil {
                    warnTiesWithoutGitHub(key)
                    actions = slot.record.machine.handle(.gitHubUnavailable)
                } else {
                    accepted = false  // held: the PR details come from GitHub's answer instead
                }
            }
            if accepted { headMoved(key, from: slot.record.pullRequest.headSHA, to: event.context.headSHA) }
            if accepted { slot.record.pullRequest = event.context }
            if let delivery { slot.delivery = delivery }
            slots[key] = slot
            touched.append(key)
            route(actions, for: key)
            if accepted, event.action != "closed" { reportSkipped(key) }
        }
        return touched
    }

    /// Statuses belong to one commit: a skipped PR says so on every new head (the reporter drops a
    /// repeat on the same commit), or a required check would wait forever.
    func reportSkipped(_ key: EnvironmentKey) {
        guard let record = slots[key]?.record, case .skipped(let reason) = record.machine.phase else { return }
        let narrator = narrator(for: key, sha: record.pullRequest.headSHA)
        if record.machine.isExpired {
            narrator.expired(reason)
        } else {
            narrator.skipped(reason)
        }
    }

    /// A narrator for `key` whose writes carry the PR's holding; for a PR this replica does not
    /// hold it says nothing at all (`silent`): the holder speaks for the PR.
    func narrator(for key: EnvironmentKey, sha: String) -> StatusNarrator {
        let holding = validLease(key.leaseKey)
        return StatusNarrator(reporter: statuses, repository: key.repository, sha: sha, blueprint: key.blueprint, logger: logger,
                              detail: environmentBlueprint(key)?.status.detail ?? StatusSettings.defaultDetail, pullRequest: key.pr,
                              presence: presence, headRef: slots[key]?.record.pullRequest.headRef, ownership: holding.map(ownership),
                              silent: holding == nil)
    }
}
