import Foundation

/// The shared state behind `StatusReporter`: per budget key (a token) a `WriteQueue`, a
/// `WriteBudget`, a rate-limit pause and the one sender waiting for work. The pure values decide;
/// this actor only keeps them together and wakes senders, so the rules stay table-testable.
actor WriteScheduler {
    /// What a sender does next.
    enum Action: Sendable {
        case send(GitHubWrite)
        /// Sleep until this time, or until new work arrives (nil: only new work); pass `generation`
        /// to `waitForWork`.
        case wait(until: Date?, generation: Int)
        /// Finished and nothing left that must go: the sender ends.
        case done
    }

    private struct Lane {
        var queue = WriteQueue()
        var budget: WriteBudget
        /// GitHub said to wait (a rate limit) until then.
        var pausedUntil: Date?
        var waiter: CheckedContinuation<Void, Never>?
        var timer: Task<Void, Never>?
        /// Bumped by every wake: a sender that decided to wait at generation g does not sleep if
        /// work arrived between that decision and its wait (no lost wake-up).
        var generation = 0
    }

    private let configuration: WriteBudget.Configuration
    private var lanes: [String: Lane] = [:]
    private var finishing = false
    private var statistics = WriteStatistics()
    private var waits = WaitSamples()
    /// Writes handed to a sender and not yet answered.
    private var sending = 0

    init(configuration: WriteBudget.Configuration) {
        self.configuration = configuration
    }

    /// Queues a write under `key`; true when the key is new and needs a sender.
    func accept(_ write: GitHubWrite, key: String) -> Bool {
        let isNew = prepare(key: key)
        lanes[key]?.queue.enqueue(write, now: Date())
        wake(key)
        return isNew
    }

    /// Tells every lane (a repository's writes go to one key, but which one is resolved per write).
    func headMoved(repository: String, pullRequest: Int, to sha: String) {
        // Over a copy of the keys: iterating `lanes` itself while changing a queue would copy it.
        for key in Array(lanes.keys) {
            lanes[key]?.queue.headMoved(repository: repository, pullRequest: pullRequest, to: sha)
        }
        pendingHeads.append((repository, pullRequest, sha))
        if pendingHeads.count > WriteQueue.remembered { pendingHeads.removeFirst(pendingHeads.count - WriteQueue.remembered) }
    }

    /// Heads announced so far, replayed into a lane created later.
    private var pendingHeads: [(String, Int, String)] = []

    /// Creates `key`'s lane up front with every head known, so a head announced before the first
    /// write of a key still supersedes it.
    func prepare(key: String) -> Bool {
        guard lanes[key] == nil else { return false }
        var lane = Lane(budget: WriteBudget(configuration))
        for (repository, pullRequest, sha) in pendingHeads { lane.queue.headMoved(repository: repository, pullRequest: pullRequest, to: sha) }
        lanes[key] = lane
        return true
    }

    /// No more input: senders send what must go (finals), drop intermediates they would have to
    /// wait for, and end.
    func finish() {
        finishing = true
        for key in Array(lanes.keys) { wake(key) }
    }

    func next(key: String) -> Action {
        switch decide(key: key) {
        case .wait(let until, _): return .wait(until: until, generation: lanes[key]?.generation ?? 0)
        case .send(let write):
            sending += 1
            return .send(write)
        case .done: return .done
        }
    }

    private func decide(key: String) -> Action {
        // Taken out of `lanes`, not copied from it: a copy would share the queue's storage with the
        // dictionary, and the first change below (a `take`) would copy every queued write, once
        // per write sent (with thousands queued behind the budget, most of a sender's time and
        // a burst of garbage each time).
        guard var lane = lanes.removeValue(forKey: key) else { return .done }
        defer { lanes[key] = lane }
        let now = Date()
        if Task.isCancelled { return .done }
        if let paused = lane.pausedUntil, paused > now {
            if finishing && !lane.queue.hasFinals {
                lane.queue.dropIntermediates()
                return .done
            }
            return .wait(until: paused, generation: 0)
        }
        // At shutdown a debounced final goes now rather than after its `notBefore`.
        switch lane.queue.peek(now: finishing ? .distantFuture : now) {
        case .empty:
            return finishing ? .done : .wait(until: nil, generation: 0)
        case .wait(let until):
            return .wait(until: until, generation: 0)
        case .ready(let write):
            let slot = lane.budget.nextSlot(cost: write.cost, priority: write.priority, now: now)
            if slot <= now, let taken = lane.queue.take(write) { return .send(taken) }
            if finishing && write.priority == .intermediate {
                lane.queue.dropIntermediates()
                return lane.queue.isEmpty ? .done : .wait(until: slot, generation: 0)
            }
            let notBefore = finishing ? nil : lane.queue.nextNotBefore(after: now)
            return .wait(until: min(slot, notBefore ?? slot), generation: 0)
        }
    }

    /// `write` was sent with `requests` write requests.
    func sent(_ write: GitHubWrite, key: String, requests: Int) {
        sending -= 1
        let now = Date()
        lanes[key]?.budget.charge(requests, at: now)
        lanes[key]?.queue.sent(write)
        statistics.sent[write.kind, default: 0] += 1
        statistics.requests += requests
        waits.add(max(0, now.timeIntervalSince(write.createdAt)))
    }

    /// GitHub refused `write` for a rate limit: the key pauses as long as GitHub asked, the write
    /// goes back in line (unless a newer one with its key came meanwhile).
    func rateLimited(_ write: GitHubWrite, key: String, wait: Duration) {
        sending -= 1
        let now = Date()
        let seconds = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        lanes[key]?.budget.charge(write.cost, at: now)
        let until = now.addingTimeInterval(max(seconds, 0.001))
        let pausedUntil = max(lanes[key]?.pausedUntil ?? until, until)
        lanes[key]?.pausedUntil = pausedUntil
        lanes[key]?.queue.putBack(write, now: now)
        statistics.rateLimitPauses += 1
        statistics.requests += write.cost
    }

    /// GitHub refused `write` for another reason (logged by the sender): it is dropped.
    func refused(_ write: GitHubWrite, key: String) {
        sending -= 1
        lanes[key]?.budget.charge(write.cost, at: Date())
        lanes[key]?.queue.drop(.refused)
        statistics.requests += write.cost
    }

    /// `write` was taken to be sent, but its PR's lease is no longer held (`WriteOwnership`): dropped unsent.
    func leaseLost(_ write: GitHubWrite, key: String) {
        sending -= 1
        lanes[key]?.queue.drop(.leaseLost)
    }

    /// A send ended by cancellation (the reporter is stopping): neither sent nor refused.
    func abandoned() {
        sending -= 1
    }

    /// Suspends the sender of `key` until `until` or until new work (or shutdown) wakes it.
    func waitForWork(key: String, until: Date?, generation: Int) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            guard !Task.isCancelled, let lane = lanes[key], lane.generation == generation else { return continuation.resume() }
            lanes[key]?.waiter?.resume()
            lanes[key]?.waiter = continuation
            if let until {
                let delay = max(0, until.timeIntervalSinceNow)
                lanes[key]?.timer = Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up)) + 1))
                    await self?.wake(key)
                }
            }
        }
    }

    /// Resumes `key`'s waiting sender, if any (spurious wakes are harmless: it asks `next` again).
    func wake(_ key: String) {
        lanes[key]?.generation += 1
        lanes[key]?.timer?.cancel()
        lanes[key]?.timer = nil
        lanes[key]?.waiter?.resume()
        lanes[key]?.waiter = nil
    }

    func wakeAll() {
        for key in Array(lanes.keys) { wake(key) }
    }

    func currentStatistics() -> WriteStatistics {
        var result = statistics
        for lane in lanes.values {
            for (reason, count) in lane.queue.dropped { result.dropped[reason, default: 0] += count }
            result.queued += lane.queue.count
            result.due += lane.queue.dueCount(now: Date())
        }
        result.due += sending
        result.waitP50 = waits.percentile(0.5)
        result.waitP99 = waits.percentile(0.99)
        return result
    }
}
