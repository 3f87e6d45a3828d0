import HTTPTransport
import ArgumentParser
import Blueprint
import Foundation
import GitHub
import Hummingbird
import Logging
import Orchestrator
import StateStoreSQLite
import Supervisor
import WebServer

/// `prenv serve`: the main job. Receives GitHub `pull_request` webhooks and keeps one environment
/// per matching PR, posting commit statuses as it goes; resumes its work after a crash.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the webhook server: one environment per pull request, commit statuses back to GitHub.",
        discussion: """
            Settings come from flags, then environment variables, then --config (YAML), then defaults:
              PRENV_HOST, PRENV_PORT (127.0.0.1:8080), PRENV_BLUEPRINTS (./blueprints),
              PRENV_STATE (sqlite:.prenv/state.sqlite), PRENV_WEBHOOK_SECRET (required),
              GITHUB_TOKEN (none: statuses go to the log), GITHUB_API_URL (https://api.github.com),
              and the standard AWS variables.
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1, or $PRENV_HOST).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (default 8080, or $PRENV_PORT).") var port: Int?
    @Option(help: "Folder of blueprints (default ./blueprints, or $PRENV_BLUEPRINTS).") var blueprints: String?
    @Option(help: "State store URL (default sqlite:.prenv/state.sqlite, or $PRENV_STATE).") var state: String?
    @Option(name: .customLong("github-api-url"), help: "GitHub API base; GitHub Enterprise uses https://HOST/api/v3.") var githubAPIURL: String?
    @Option(help: "A YAML file of settings (host, port, blueprints, state, webhook_secret, github_token, github_api_url).") var config: String?
    @Option(name: .customLong("max-body-bytes"), help: "Largest webhook body accepted; larger gets 413.") var maxBodyBytes = 5 * 1024 * 1024
    @Option(name: .customLong("reconcile-interval"), help: "Seconds between reconciler passes (retry failed teardowns, drain stragglers).")
    var reconcileInterval: Double = 60
    @Option(name: .customLong("pr-check-interval"),
            help: "Seconds between asking GitHub about each open PR's state, to catch webhooks that never arrived (needs GITHUB_TOKEN).")
    var prCheckInterval: Double = 300
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String = "info"
    @Option(name: .customLong("ready-file"), help: ArgumentHelp("Write {\"url\": …} here once listening (for tests).", visibility: .hidden))
    var readyFile: String?
    @OptionGroup var polling: PollingOptions

    func run() async throws {
        let settings = try resolveSettings()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "prenv.serve")
        let loaded = try loadBlueprints(settings.blueprints)
        let statePath = try statePath(settings.state)
        let store = try SQLiteStateStore(path: statePath)
        let inbox = try SQLiteEventInbox(path: statePath)
        let transport = URLSessionTransport()
        let client = try Composition.awsClient(transport: transport)
        let github = githubClient(settings, transport: transport)
        if github == nil { logger.warning("no GITHUB_TOKEN: commit statuses are written to this log instead of GitHub") }
        let reporter = StatusReporter(poster: github.map { GitHubStatusPoster(client: $0) } ?? LogStatusPoster(logger: Logger(label: "prenv.statuses")))
        let polling = polling
        let operations = ExecutorOperations(store: store, maxConcurrency: polling.concurrency) { onStage in
            Composition.providers(client: client, polling: polling) { event in
                onStage(PipelineStageUpdate(node: event.node, stage: event.stage, status: event.status, summary: event.summary,
                                            executionID: event.executionId))
            }
        }
        let supervisor = EnvironmentSupervisor(blueprints: loaded, inbox: inbox, store: store, workers: store, operations: operations,
                                               statuses: reporter, pullRequests: github.map { GitHubPullRequestLookup(client: $0) })
        let intake = WebhookIntake(secret: settings.webhookSecret, inbox: inbox,
                                   isRelevant: { await supervisor.concerns($0) }, onRecorded: { supervisor.wake($0) })
        let router = PrenvRouter.make(
            intake: intake, maxBodyBytes: maxBodyBytes,
            environments: { try EnvironmentsReport(records: try await store.list(), workers: await supervisor.workerRecords()).json() },
            health: { true })
        let readyFile = readyFile
        let app = Application(
            router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "prenv"),
            onServerRunning: { channel in
                let url = "http://\(settings.host):\(channel.localAddress?.port ?? settings.port)"
                logger.info("prenv serve listening", metadata: [
                    "url": "\(url)", "blueprints": "\(loaded.map(\.name).joined(separator: ","))", "settings": "\(settings)",
                ])
                if let readyFile { Self.writeReadyFile(readyFile, url: url) }
            },
            logger: logger)

        try await supervisor.start()
        let interval = Duration.milliseconds(Int64(max(reconcileInterval, 0.05) * 1000))
        let prInterval = Duration.milliseconds(Int64(max(prCheckInterval, 0.05) * 1000))
        let posting = Task { await reporter.run() }
        let failure: (any Error)? = await withTaskGroup(of: Void.self) { group in
            group.addTask { await supervisor.runReconciler(every: interval) }
            group.addTask { await supervisor.runPullRequestChecks(every: prInterval) }
            defer { group.cancelAll() }
            do {
                try await app.runService()
                return nil
            } catch {
                return error
            }
        }
        logger.info("shutting down: running operations stop here and resume at the next start")
        await supervisor.stop()
        await Self.drain(posting, reporter: reporter, within: .seconds(5))
        if let failure {
            printToStandardError("error: the HTTP server on \(settings.host):\(settings.port) stopped: \(failure) "
                + "(if it never started: is another process listening there? set --port or PRENV_PORT)")
            throw ExitCode(1)
        }
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

    private func resolveSettings() throws -> ServeSettings {
        let flags = ServeSettings.Flags(host: host, port: port, blueprints: blueprints, state: state, githubAPIURL: githubAPIURL)
        do {
            var file: (path: String, text: String)?
            if let config {
                guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                    throw ServeSettings.Problem(description: "cannot read the config file \(config)")
                }
                file = (config, text)
            }
            return try ServeSettings.resolve(flags: flags, environment: ProcessInfo.processInfo.environment, configFile: file)
        } catch {
            printToStandardError("error: \(error)")
            throw ExitCode(1)
        }
    }

    private func loadBlueprints(_ directory: String) throws -> [Blueprint] {
        let loaded: [Blueprint]
        do throws(BlueprintErrors) {
            loaded = try BlueprintLoader.loadAll(directory: directory, kinds: Composition.kinds)
        } catch {
            for diagnostic in error.diagnostics { printToStandardError(diagnostic.description) }
            printToStandardError("error: fix the blueprints above; prenv serve does not start with a broken blueprint")
            throw ExitCode(1)
        }
        guard !loaded.isEmpty else {
            printToStandardError("error: no blueprints (*.yaml) in \(directory); set PRENV_BLUEPRINTS or --blueprints")
            throw ExitCode(1)
        }
        return loaded
    }

    private func statePath(_ url: String) throws -> String {
        do {
            return try SQLiteStateStore.parse(url: url, workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            printToStandardError("error: cannot use state store \(url): \(error)")
            throw ExitCode(1)
        }
    }

    private func githubClient(_ settings: ServeSettings, transport: any HTTPSender) -> GitHubClient? {
        guard let token = settings.githubToken, let base = URL(string: settings.githubAPIURL) else { return nil }
        return GitHubClient(baseURL: base, token: token, transport: transport, userAgent: "prenv/0.1")
    }

    static func writeReadyFile(_ path: String, url: String) {
        let body = (try? JSONSerialization.data(withJSONObject: ["url": url])) ?? Data()
        try? body.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
