import ArgumentParser
import CoreMetrics
import Foundation
import Hummingbird
import Logging
import Orchestrator
import PrenvApp
import Prometheus

/// `prenv serve`: the main job. Receives GitHub `pull_request` webhooks and keeps one environment
/// per matching PR, posting commit statuses as it goes; resumes its work after a crash. The server
/// itself is built by `buildApplication`, which tests run in-process; this command reads flags,
/// sets up logging and reports what stopped it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the webhook server: one environment per pull request, commit statuses back to GitHub.",
        discussion: """
            Settings come from flags, then environment variables, then --config (YAML), then defaults:
              PRENV_HOST, PRENV_PORT (127.0.0.1:8080), PRENV_BLUEPRINTS (./blueprints),
              PRENV_STATE (sqlite:.prenv/state.sqlite, or postgres://USER@HOST[:PORT]/DB[?sslmode=…] with the password
              in the URL, PGPASSWORD or the file PRENV_STATE_PASSWORD_FILE names), PRENV_WEBHOOK_SECRET (required),
              GITHUB_TOKEN (none: statuses go to the log), GITHUB_API_URL (https://api.github.com),
              GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE (a GitHub App; wins over GITHUB_TOKEN),
              and the standard AWS variables.
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1, or $PRENV_HOST).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (default 8080, or $PRENV_PORT).") var port: Int?
    @Option(help: "Folder of blueprints (default ./blueprints, or $PRENV_BLUEPRINTS).") var blueprints: String?
    @Option(help: "State store URL: sqlite:PATH or postgres://USER@HOST[:PORT]/DB[?sslmode=…] (default sqlite:.prenv/state.sqlite, or $PRENV_STATE).")
    var state: String?
    @Option(name: .customLong("github-api-url"), help: "GitHub API base; GitHub Enterprise uses https://HOST/api/v3.") var githubAPIURL: String?
    @Option(help: "A YAML file of settings (host, port, blueprints, state, webhook_secret, github_token, github_api_url, github_app_id, github_app_private_key, github_app_private_key_file).") var config: String?
    @Option(name: .customLong("max-body-bytes"), help: "Largest webhook body accepted; larger gets 413.") var maxBodyBytes = ServeOptions().maxBodyBytes
    @Option(name: .customLong("reconcile-interval"), help: "Seconds between reconciler passes (retry failed teardowns, drain stragglers).")
    var reconcileInterval = ServeOptions().reconcileInterval
    @Option(name: .customLong("pr-check-interval"),
            help: "Seconds between asking GitHub about each open PR's state and listing the open PRs of each repository blueprints name, to catch webhooks that never arrived (needs GITHUB_TOKEN or a GitHub App).")
    var prCheckInterval = ServeOptions().prCheckInterval
    @Option(name: .customLong("gc-interval"),
            help: "Seconds between orphan sweeps, which delete resources tagged for this instance that no live environment accounts for and that are older than the interval; 0 disables.")
    var gcInterval = ServeOptions().gcInterval
    @Option(name: .customLong("teardown-alert-after"),
            help: "Seconds a teardown may keep failing before it is reported: a failure status naming the blocking resource, a warning per retry, stuck_teardowns in /api/environments.")
    var teardownAlertAfter = ServeOptions().teardownAlertAfter
    @Option(name: .customLong("comment-interval"),
            help: "Seconds between two edits of a pull request's prenv comment; the final state is always written.")
    var commentInterval = ServeOptions().commentInterval
    @Option(name: .customLong("github-writes-per-minute"),
            help: "GitHub writes (statuses, deployments, comments) per minute per token; GitHub's secondary limit is about 80.")
    var githubWritesPerMinute = ServeOptions().githubWritesPerMinute
    @Option(name: .customLong("github-writes-per-hour"),
            help: "GitHub writes per hour per token; GitHub's secondary limit is about 500. Finals go first; superseded intermediates are shed.")
    var githubWritesPerHour = ServeOptions().githubWritesPerHour
    @Option(name: .customLong("replica-id"), help: "This replica's name in leases and logs, on a PostgreSQL state (default $PRENV_REPLICA_ID, else host-pid-random).")
    var replicaID: String?
    @Option(name: .customLong("lease-duration"),
            help: "Seconds a replica's hold on a PR lasts unless renewed (PostgreSQL state): how long a dead replica's PRs wait for another.")
    var leaseDuration: Double = 30
    @Option(name: .customLong("replica-poll-interval"),
            help: "Seconds between a replica's looks for work nobody holds (PostgreSQL state); wake-ups come at once through LISTEN/NOTIFY.")
    var replicaPollInterval: Double = 2
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @Option(name: .customLong("log-format"),
            help: "text (one readable line per record) or json (one object per line: time, level, message, logger, delivery, repository, pr, blueprint, resource, …).")
    var logFormat: String = LogFormat.text.rawValue
    @Option(name: .customLong("shutdown-grace"),
            help: "Seconds running operations may take to finish after SIGTERM (webhooks and /readyz answer 503 meanwhile) before they are stopped to resume at the next start.")
    var shutdownGrace = ServeOptions().shutdownGrace
    @Option(name: .customLong("ready-file"), help: ArgumentHelp("Write {\"url\": …} here once listening (for tests).", visibility: .hidden))
    var readyFile: String?
    @OptionGroup var pollingOptions: PollingOptions

    func validate() throws {
        guard commentInterval >= 0, commentInterval.isFinite else {
            throw ValidationError("--comment-interval must be 0 or a number of seconds, got \(commentInterval)")
        }
        guard gcInterval >= 0, gcInterval.isFinite else { throw ValidationError("--gc-interval must be 0 (no sweeps) or a number of seconds, got \(gcInterval)") }
        guard teardownAlertAfter.isFinite, teardownAlertAfter > 0 else {
            throw ValidationError("--teardown-alert-after must be a positive number of seconds, not \(teardownAlertAfter)")
        }
        guard githubWritesPerMinute > 0 else { throw ValidationError("--github-writes-per-minute must be at least 1, got \(githubWritesPerMinute)") }
        guard leaseDuration.isFinite, leaseDuration >= 3 else { throw ValidationError("--lease-duration must be at least 3 seconds, got \(leaseDuration)") }
        guard replicaPollInterval.isFinite, replicaPollInterval > 0 else {
            throw ValidationError("--replica-poll-interval must be a positive number of seconds, got \(replicaPollInterval)")
        }
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be text or json, got \(logFormat)") }
        guard shutdownGrace.isFinite, shutdownGrace >= 0, shutdownGrace <= 3600 else {
            throw ValidationError("--shutdown-grace must be a number of seconds from 0 to 3600, got \(shutdownGrace)")
        }
        guard githubWritesPerHour > 0 else { throw ValidationError("--github-writes-per-hour must be at least 1, got \(githubWritesPerHour)") }
    }

    func run() async throws {
        // Before the server's own threads start; see HeapReturn for why.
        HeapReturn.limitArenas(environment: ProcessInfo.processInfo.environment)
        let flags = ServeSettings.Flags(host: host, port: port, blueprints: blueprints, state: state, githubAPIURL: githubAPIURL)
        let settings: ServeSettings
        do {
            settings = try ServeSettings.load(flags: flags, environment: ProcessInfo.processInfo.environment, configPath: config)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = LogFormat(rawValue: logFormat) ?? .text
        // The provider adds the task's `LogContext` (delivery id, repository, PR, blueprint, resource) to every line.
        LoggingSystem.bootstrap({ label, provider in format.handler(label: label, level: level, metadataProvider: provider) },
                                metadataProvider: LogContext.metadataProvider)
        // Once per process, before any module records: `/metrics` serves this registry.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsBackend.prometheus(registry: metrics))
        let logger = Logger(label: "prenv.serve")
        var parts = try await orExit { () async throws(StartupError) in
            try await ServeParts.live(settings: settings, polling: pollingOptions.polling, logger: logger, replica: ReplicaSettings(
                id: replicaID, leaseDuration: ServeOptions.duration(seconds: leaseDuration), pollInterval: ServeOptions.duration(seconds: replicaPollInterval)))
        }
        parts.metrics = metrics
        // Before any work starts (after the settings and blueprints are checked); held until exit.
        let lock: StateLock?
        do throws(StartupError) {
            lock = try StateLock.forServe(stateURL: settings.state)
        } catch {
            await parts.closeState()
            for line in error.lines { printToStandardError(line) }
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(lock) {} }
        let options = ServeOptions(maxBodyBytes: maxBodyBytes, reconcileInterval: reconcileInterval, prCheckInterval: prCheckInterval,
                                   gcInterval: gcInterval, readyFile: readyFile, teardownAlertAfter: teardownAlertAfter,
                                   commentInterval: commentInterval,
                                   githubWritesPerMinute: githubWritesPerMinute, githubWritesPerHour: githubWritesPerHour)
        var serveOptions = options
        serveOptions.shutdownGrace = shutdownGrace
        serveOptions.logFormat = format
        let lifecycle = ServeLifecycle(shutdownGrace: ServeOptions.duration(seconds: shutdownGrace))
        let app = buildApplication(settings: settings, options: serveOptions, parts: parts, logger: logger, lifecycle: lifecycle)
        let heapTrimming = Task { await HeapReturn.trimPeriodically() }
        defer { heapTrimming.cancel() }
        do {
            try await lifecycle.run(app, logger: logger)
            await parts.closeState()
        } catch let error as StartupError {
            await parts.closeState()
            for line in error.lines { printToStandardError(line) }
            throw ExitCode(1)
        } catch {
            await parts.closeState()
            printToStandardError("error: the HTTP server on \(settings.host):\(settings.port) stopped: \(error) "
                + "(if it never started: is another process listening there? set --port or PRENV_PORT)")
            throw ExitCode(1)
        }
    }
}
