import Foundation
import Orchestrator
import Telemetry

extension EnvironmentSupervisor {
    /// Sets the gauges that describe the state rather than events: environments per state (as
    /// `GET /api/environments` reports them) and the inbox events not yet processed. Called at each
    /// scrape of `/metrics`, so they are as fresh as the scrape with no timer of their own. On a
    /// shared PostgreSQL state every replica reports the same totals: aggregate with `max`, not `sum`.
    ///
    /// The depth reads each pending key's events: cheap while the inbox keeps up (its usual state),
    /// proportional to the backlog when it does not.
    ///
    /// Both read every record in the store, which at 5,000 environments took over a second of a
    /// core: a scrape then finds the previous values unless `gaugeSampling` says a new sample is
    /// due, so sampling costs at most a tenth of the time however often `/metrics` is scraped.
    public func sampleGauges() async throws {
        let started = ContinuousClock.now
        guard gaugeSampling.begin(at: started) else { return }
        do {
            Telemetry.environments(byState: EnvironmentsReport.stateCounts(records: try await store.list(), workers: await workerRecords()))
            var pending = 0
            for key in try await inbox.pendingKeys() { pending += try await inbox.pending(key: key).count }
            Telemetry.inboxPending(pending)
            gaugeSampling.end(started: started, at: .now)
        } catch {
            gaugeSampling.failed()
            throw error
        }
    }
}

/// When the sampled gauges are computed again: not before ten times the last computation's own
/// duration has passed since it began (a computation of 5 ms allows one every 50 ms, one of 1 s
/// one every 10 s), and never two at once. A pure value, so its rule is table-testable.
struct GaugeSampling {
    /// What the sampling may cost, at most, as a share of the time.
    static let share = 10
    private var due: ContinuousClock.Instant?
    private var running = false

    /// Whether to sample now; if so, `end` or `failed` must follow.
    mutating func begin(at now: ContinuousClock.Instant) -> Bool {
        guard !running, due.map({ now >= $0 }) ?? true else { return false }
        running = true
        return true
    }

    mutating func end(started: ContinuousClock.Instant, at now: ContinuousClock.Instant) {
        running = false
        due = started + (now - started) * Self.share
    }

    /// A failed sample allows the next scrape to try again.
    mutating func failed() {
        running = false
    }
}
