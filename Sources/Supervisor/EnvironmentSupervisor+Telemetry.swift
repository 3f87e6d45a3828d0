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
    /// Both read every record in the store. Building the records at 5,000 environments took over a
    /// second of a core; the states are now read by name (`phaseNames`), and a scrape still finds
    /// the previous values unless `gaugeSampling` says a new sample is due, so sampling costs at
    /// most a tenth of the time however often `/metrics` is scraped.
    public func sampleGauges() async throws {
        let started = ContinuousClock.now
        guard gaugeSampling.begin(at: started) else { return }
        do {
            Telemetry.environments(byState: EnvironmentsReport.stateCounts(recordPhases: try await store.phaseNames(),
                                                                           workerPhases: try await workerPhaseNames()))
            var pending = 0
            for key in try await inbox.pendingKeys() { pending += try await inbox.pendingHeaders(key: key).count }
            Telemetry.inboxPending(pending)
            gaugeSampling.end(started: started, at: .now)
        } catch {
            gaugeSampling.failed()
            throw error
        }
    }
}

extension EnvironmentSupervisor {
    /// `workerRecords()` by phase name: the stored workers' phases, this replica's own slots over
    /// them (they may be a save ahead).
    public func workerPhaseNames() async throws -> [EnvironmentKey: String] {
        var names: [EnvironmentKey: String] = [:]
        do {
            names = try await workerStore.workerPhaseNames()
        } catch let cancelled as CancellationError {
            throw cancelled
        } catch {
            logger.warning("could not read the worker records' phases; counting this replica's only", metadata: ["error": "\(error)"])
        }
        for (key, slot) in slots { names[key] = slot.record.machine.phase.name }
        return names
    }
}

/// When the sampled gauges are computed again: not before ten times the last computation's own
/// duration has passed since it began (a computation of 5 ms allows one every 50 ms, one of 1 s
/// one every 10 s), never two at once, and never more than `longestPause` apart (one slow read, a
/// database hiccup, does not freeze the gauges for ten times as long). A pure value, so its rule
/// is table-testable.
struct GaugeSampling {
    /// What the sampling may cost, at most, as a share of the time.
    static let share = 10
    static let longestPause: Duration = .seconds(60)
    private var due: ContinuousClock.Instant?
    /// When the computation under way began; one older than `longestPause` (an await that never
    /// came back) no longer holds the next one off.
    private var running: ContinuousClock.Instant?

    /// Whether to sample now; if so, `end` or `failed` must follow.
    mutating func begin(at now: ContinuousClock.Instant) -> Bool {
        if let running, now - running < Self.longestPause { return false }
        guard due.map({ now >= $0 }) ?? true else { return false }
        running = now
        return true
    }

    mutating func end(started: ContinuousClock.Instant, at now: ContinuousClock.Instant) {
        running = nil
        due = started + min((now - started) * Self.share, Self.longestPause)
    }

    /// A failed sample allows the next scrape to try again.
    mutating func failed() {
        running = nil
    }
}
