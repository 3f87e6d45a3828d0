import Logging
import ServiceLifecycle
import Supervisor

/// The supervisor's lifetime as one service of the server's application: resume saved work, run
/// the replica's loops (wake-ups, the unowned-work poll, lease renewals), the reconciler, the PR
/// checks, the orphan sweep (on the leader) and status posting, and on shutdown stop the workers,
/// give queued statuses a few seconds to go out, then hand their leases over. The application
/// starts it before the HTTP server and so stops it after the server has finished its last request.
struct SupervisorService: Service {
    let supervisor: EnvironmentSupervisor
    let reporter: StatusReporter
    let reconcileInterval: Duration
    let prCheckInterval: Duration
    /// Nil when `--gc-interval 0` (or no sweep was wired).
    let sweeper: OrphanSweeper?
    let gcInterval: Duration
    /// Opened once saved work is resumed; the HTTP server waits for it, so no webhook races a restart.
    let started: StartSignal
    let logger: Logger

    func run() async throws {
        do {
            try await supervisor.start()
        } catch let error as CancellationError {
            started.fail(error)
            throw error
        } catch {
            let failure = StartupError("cannot resume the work saved in the state store: \(error)")
            started.fail(failure)
            throw failure
        }
        started.open()
        let posting = Task { await reporter.run() }
        let cancelled: (any Error)? = await withTaskGroup(of: Void.self) { group in
            group.addTask { await supervisor.runReplica() }
            group.addTask { await supervisor.runReconciler(every: reconcileInterval) }
            group.addTask { await supervisor.runPullRequestChecks(every: prCheckInterval) }
            if let sweeper { group.addTask { await sweeper.run(every: gcInterval, when: { await supervisor.isLeader() }) } }
            defer { group.cancelAll() }
            // Returns at graceful shutdown (SIGTERM), throws when the group is cancelled (the server failed).
            do {
                try await gracefulShutdown()
                return nil
            } catch {
                return error
            }
        }
        // `DrainService` already gave running operations the shutdown grace; what still runs stops here.
        logger.info("shutting down: operations still running stop here and resume at the next start", source: Composition.logSource)
        // A task of its own, so a cancelled group does not cut short the statuses' grace period.
        await Task { [supervisor, reporter] in
            await supervisor.stop()
            // The queued statuses go out (or are given up) while the leases are still held, so
            // none is sent after another replica took a PR over (a late "destroyed" or an
            // inactive deployment over the new owner's): up to 5 s more before the hand-over.
            await Self.drain(posting, reporter: reporter, within: .seconds(5))
            // After `stop()`, so no operation of a lease given up still runs here: other replicas
            // resume this one's PRs now rather than after the leases' expiry.
            await supervisor.handOver()
        }.value
        if let cancelled { throw cancelled }
    }

    /// Lets queued statuses go out, but no longer than `limit` (GitHub may be down).
    static func drain(_ posting: Task<Void, Never>, reporter: StatusReporter, within limit: Duration) async {
        reporter.finish()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await posting.value }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            // Awaiting a task's value ignores cancellation, so end the task itself first.
            posting.cancel()
            group.cancelAll()
        }
    }
}
