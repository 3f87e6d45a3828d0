import Logging
import ServiceLifecycle
import Supervisor
import Synchronization

/// How `prenv serve` stops: SIGTERM (or SIGINT) begins a drain, and only then the usual shutdown.
///
/// Why a service of its own, after the application: Hummingbird runs the HTTP server as the last
/// service of the application's group, and a `ServiceGroup` shuts its services down in reverse
/// order, so a graceful shutdown reaching the application closes the listener *first*. A webhook
/// sent then would meet a refused connection, which GitHub does retry, but which also looks like an
/// outage. So `run` puts the application and a `DrainService` in one group, the drain last: the
/// drain is told first and the server keeps listening while it runs:
///
/// 1. draining begins: `/readyz` answers 503 (a load balancer stops sending new traffic) and
///    `POST /webhooks/github` answers 503 with `Retry-After` without recording anything (GitHub
///    marks the delivery failed; it is redelivered, or found by the PR poll of the next server);
/// 2. no operation starts any more (`EnvironmentSupervisor.quiesce`); running ones go on, for up to
///    `--shutdown-grace` seconds, to their end, which they record and report as usual;
/// 3. the drain returns; the group shuts the application down: the listener closes (requests in
///    flight are answered), then the supervisor service cancels what still runs (the executor has
///    recorded each node it was at: `creating`, `deleting`, which the next start resumes), sends
///    the final statuses (up to 5 s) and hands the leases over; the process exits 0.
///
/// The whole stop takes at most grace + 5 s + a moment, so a service manager's stop timeout (ECS's
/// `stopTimeout`, systemd's `TimeoutStopSec`) must be longer than that.
public final class ServeLifecycle: Sendable {
    /// How long running operations may take to finish after SIGTERM (`--shutdown-grace`).
    public let shutdownGrace: Duration
    private let state = Mutex<(draining: Bool, supervisor: EnvironmentSupervisor?)>((false, nil))

    public init(shutdownGrace: Duration = .seconds(20)) {
        self.shutdownGrace = shutdownGrace
    }

    /// True from the first shutdown signal on.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Starts the drain's first step (readiness and webhooks answer 503); for the drain service, and tests.
    public func beginDraining() { state.withLock { $0.draining = true } }

    /// The supervisor whose operations the drain waits for; `buildApplication` attaches its own.
    func attach(_ supervisor: EnvironmentSupervisor) { state.withLock { $0.supervisor = supervisor } }

    var supervisor: EnvironmentSupervisor? { state.withLock { $0.supervisor } }

    /// Runs `app` until SIGTERM or SIGINT, draining first (see above); throws what stopped it otherwise.
    public func run(_ app: some Service, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: DrainService(lifecycle: self, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The drain of `ServeLifecycle`: idle until the graceful shutdown, then steps 1 and 2.
struct DrainService: Service {
    let lifecycle: ServeLifecycle
    let logger: Logger

    func run() async throws {
        // Cancelled (the server failed to start or stopped): nothing to drain, the group is ending.
        try await gracefulShutdown()
        lifecycle.beginDraining()
        let grace = lifecycle.shutdownGrace
        guard let supervisor = lifecycle.supervisor else { return }
        await supervisor.quiesce()
        let running = await supervisor.runningOperations
        logger.notice("draining: webhooks and /readyz answer 503; running operations may finish", metadata: [
            "running": "\(running)", "grace": "\(grace)",
        ], source: Composition.logSource)
        let left = await supervisor.waitForRunningOperations(until: .now + grace)
        if left > 0 {
            logger.notice("shutdown grace over: stopping the operations still running; they resume at the next start",
                          metadata: ["running": "\(left)"], source: Composition.logSource)
        } else {
            logger.info("drained: no operation running", source: Composition.logSource)
        }
    }
}
