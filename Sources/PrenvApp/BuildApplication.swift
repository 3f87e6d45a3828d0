import Foundation
import GitHub
import Hummingbird
import Logging
import Supervisor
import Telemetry
import WebServer

/// The server `prenv serve` runs, and tests run in-process (`app.test(.router)`): the routes over
/// the webhook intake and the state, and the supervisor as a service that starts before the server
/// listens and stops after it has answered its last request.
/// - Parameters:
///   - logger: `prenv.serve`'s logger: start and shutdown lines.
///   - lifecycle: the drain before shutdown (`ServeLifecycle.run`); the routes answer 503 while it runs.
public func buildApplication(
    settings: ServeSettings, options: ServeOptions = ServeOptions(), parts: ServeParts, logger: Logger = Logger(label: "prenv.serve"),
    lifecycle: ServeLifecycle = ServeLifecycle()
) -> some ApplicationProtocol {
    let reporter = StatusReporter(poster: parts.statusPoster, configuration: options.writeBudget,
                                  budgetKey: parts.writeBudgetKey ?? { _ in "token" })
    let presence = EnvironmentPresence(reporter: reporter, github: parts.github, store: parts.store, region: parts.awsRegion,
                                       secret: settings.webhookSecret, commentInterval: options.commentInterval)
    let supervisor = EnvironmentSupervisor(blueprints: parts.blueprints, inbox: parts.inbox, store: parts.store, workers: parts.workers,
                                           operations: parts.operations, statuses: reporter, pullRequests: parts.pullRequests,
                                           teardownAlertAfter: options.teardownAlertAfter, commands: parts.commands, presence: presence,
                                           replica: parts.replica, repositoryBlueprints: parts.repositoryBlueprints)
    lifecycle.attach(supervisor)
    let githubApp = parts.githubApp
    // Pushes matter only where a repository's own `.prenv/` blueprints are read.
    var pushTargets: (@Sendable (String, String) async throws -> [String])?
    if parts.repositoryBlueprints != nil {
        pushTargets = { repository, branch in try await supervisor.pushTargets(repository: repository, branch: branch) }
    }
    // A signed delivery names the App installation covering its repository: remember it, so the
    // App needs no lookup before writing there. This runs before the inbox dedupes the delivery:
    // acceptable, as the delivery's HMAC was verified, but a replayed old delivery can reinstate a
    // stale installation id. That heals itself: a 404 (or a 403 that is no rate limit) under a
    // remembered installation drops it and looks the repository up again (`GitHubAppCredential.notFound`).
    let intake = WebhookIntake(secret: settings.webhookSecret, inbox: parts.inbox, isRelevant: { event in
        if let githubApp, let installation = event.installation?.id {
            await githubApp.remember(repository: event.repository.fullName, installationID: installation)
        }
        return await supervisor.concerns(event)
    }, onRecorded: { supervisor.wake($0) }, selectsRepository: { supervisor.selects(repository: $0) },
       isDraining: { lifecycle.isDraining }, pushTargets: pushTargets, decoded: supervisor.decodedEvents)
    let store = parts.store
    let sweeper = options.gcInterval > 0 ? parts.orphanSweep.map { sweep in
        OrphanSweeper(sweep: sweep, isBusy: { await supervisor.isTakingCareOf($0) }, logger: Logger(label: "prenv.gc"))
    } : nil
    let started = StartSignal()
    let readiness = Readiness(lifecycle: lifecycle, started: started, blueprintsLoaded: !parts.blueprints.isEmpty || parts.repositoryBlueprints != nil,
                              probeStore: parts.probeStore ?? { [workers = parts.workers] in _ = try await workers.workers(leaseKey: "-") },
                              logger: logger)
    let router = PrenvRouter.make(
        intake: intake, maxBodyBytes: options.maxBodyBytes,
        environments: { try await supervisor.report(records: try await store.list(), orphans: await sweeper?.latest).json() },
        health: { true },
        orphans: { try OrphanReportDocument(await sweeper?.latest, error: await sweeper?.latestError, masked: true).json() },
        api: .forServer(token: settings.apiToken, listensOnLoopback: settings.listensOnLoopback),
        metrics: parts.metrics.map { registry in
            MetricsExposition(sample: {
                if let heap = HeapReturn.usage() { Telemetry.heap(inUse: heap.inUse, free: heap.free) }
                try await supervisor.sampleGauges()
            }, render: { registry.emitToBuffer() })
        },
        readiness: { await readiness.notReadyReason() },
        dashboard: { try await DashboardRoutes.snapshot(supervisor, records: try await store.list(), orphans: await sweeper?.latest) })
    let service = SupervisorService(
        supervisor: supervisor, reporter: reporter, reconcileInterval: ServeOptions.duration(seconds: options.reconcileInterval),
        prCheckInterval: ServeOptions.duration(seconds: options.prCheckInterval),
        sweeper: sweeper, gcInterval: ServeOptions.duration(seconds: options.gcInterval), started: started, logger: logger)
    let blueprintNames = parts.blueprints.map(\.name).joined(separator: ",")
    let readyFile = options.readyFile
    var app = Application(
        router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "prenv"),
        services: [service],
        onServerRunning: { channel in
            let url = "http://\(settings.host):\(channel.localAddress?.port ?? settings.port)"
            logger.info("prenv serve listening", metadata: ["url": "\(url)", "blueprints": "\(blueprintNames)", "settings": "\(settings)"],
                        source: Composition.logSource)
            if settings.apiToken == nil {
                logger.notice(settings.listensOnLoopback
                        ? "no PRENV_API_TOKEN: /api/* is served without a token because prenv listens on a loopback address only"
                        : "no PRENV_API_TOKEN: /api/* answers 403 because prenv listens on a non-loopback address; set PRENV_API_TOKEN to serve it",
                    metadata: ["host": "\(settings.host)"], source: Composition.logSource)
            }
            if let readyFile { writeReadyFile(readyFile, url: url) }
        },
        logger: logger)
    app.beforeServerStarts { try await started.wait() }
    return app
}

/// `{"url": "http://HOST:PORT"}`, written atomically so a reader never sees half of it.
func writeReadyFile(_ path: String, url: String) {
    let body = (try? JSONSerialization.data(withJSONObject: ["url": url])) ?? Data()
    try? body.write(to: URL(fileURLWithPath: path), options: .atomic)
}
