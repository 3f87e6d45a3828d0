import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Logging
import Orchestrator
import Prometheus
import Supervisor

/// What `prenv serve` runs on. `live` makes the real ones from settings (SQLite or PostgreSQL, AWS, GitHub);
/// tests pass their own (an in-memory store, operations they control, a status recorder) to
/// `buildApplication` and get the very routes and services the binary runs.
public struct ServeParts: Sendable {
    public var blueprints: [Blueprint]
    public var store: any StateStore
    public var workers: any WorkerStore
    public var inbox: any EventInbox
    public var operations: any EnvironmentOperations
    public var statusPoster: any CommitStatusPoster
    /// Asked about open PRs whose webhooks may have been lost; nil without a GitHub token.
    public var pullRequests: (any PullRequestLookup)?
    /// What the periodic orphan sweep runs; nil sweeps nothing.
    public var orphanSweep: OrphanSweep?
    /// Which write budget a repository's writes spend (one per token or App installation); nil: one budget.
    public var writeBudgetKey: (@Sendable (String) async -> String)?
    /// The GitHub App, when prenv is one: told each webhook's installation id so it need not look it up.
    public var githubApp: GitHubAppCredential?
    /// Answers `/prenv` comment commands; nil without a GitHub token (commands are then logged only).
    public var commands: (any CommandGitHub)?
    /// Deployments and the sticky PR comment go through it; nil without GitHub (statuses go to the log).
    public var github: GitHubClient?
    /// prenv's AWS region, for the console links in the PR comment.
    public var awsRegion: String?
    /// Lets go of the state when the server has stopped (`prenv serve` calls it after its last
    /// request): a PostgreSQL pool is closed; nothing for SQLite or test parts.
    public var closeState: @Sendable () async -> Void = {}
    /// How this server shares PRs with other replicas (PostgreSQL); nil: it is the only one
    /// (`ReplicaCoordination.single`).
    public var replica: ReplicaCoordination?
    /// The registry `MetricsSystem` was bootstrapped with (`prenv serve` does it once per process),
    /// served at `GET /metrics`; nil: no `/metrics` route (in-process tests without a bootstrap).
    public var metrics: PrometheusCollectorRegistry?
    /// A cheap query that fails when the state store cannot be reached (`/readyz`); nil: a read of
    /// the worker records of a PR that cannot exist (one indexed lookup on SQLite and PostgreSQL).
    public var probeStore: (@Sendable () async throws -> Void)?
    /// Reads repositories' `.prenv/` blueprints where `repository_blueprints:` enables it; nil: never.
    public var repositoryBlueprints: RepositoryBlueprintResolver?

    public init(
        blueprints: [Blueprint], store: any StateStore, workers: any WorkerStore, inbox: any EventInbox,
        operations: any EnvironmentOperations, statusPoster: any CommitStatusPoster, pullRequests: (any PullRequestLookup)? = nil,
        orphanSweep: OrphanSweep? = nil, commands: (any CommandGitHub)? = nil, github: GitHubClient? = nil, awsRegion: String? = nil
    ) {
        self.orphanSweep = orphanSweep
        self.commands = commands
        self.github = github
        self.awsRegion = awsRegion
        self.blueprints = blueprints
        self.store = store
        self.workers = workers
        self.inbox = inbox
        self.operations = operations
        self.statusPoster = statusPoster
        self.pullRequests = pullRequests
    }

    /// The real parts, checked in the order a user fixes them: blueprints, state, AWS. Without a
    /// GitHub token, statuses go to the log (and `logger` says so once). The instance identity
    /// (`PRENV_INSTANCE` in `environment`, else the one kept in the state) is logged at start.
    public static func live(
        settings: ServeSettings, polling: Polling, logger: Logger, replica: ReplicaSettings = ReplicaSettings(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws(StartupError) -> ServeParts {
        let blueprints = try Composition.loadBlueprints(directory: settings.blueprints,
                                                        orNoneWithRepositoryBlueprints: settings.repositoryBlueprints.enablesAny)
        let location = try Composition.stateLocation(url: settings.state, logger: logger, environment: environment)
        let state = try await Composition.openState(location, inbox: true, logger: logger)
        // Everything below may still refuse to start: the state is let go of first (a PostgreSQL pool).
        do throws(StartupError) {
            // Shared with other serve replicas, refused while a `gc --apply` deletes (SQLite: `StateLock`, taken by the command).
            let lock = try await Composition.postgresStateLock(state, for: .serve)
            do throws(StartupError) {
                var parts = try await live(settings: settings, blueprints: blueprints, state: state, polling: polling, logger: logger,
                                           environment: environment)
                if let postgres = state.postgres {
                    parts.replica = try replica.coordination(over: postgres, environment: environment, logger: logger)
                }
                parts.closeState = {
                    await lock?.release()
                    await state.close()
                }
                return parts
            } catch {
                await lock?.release()
                throw error
            }
        } catch {
            await state.close()
            throw error
        }
    }

    private static func live(
        settings: ServeSettings, blueprints: [Blueprint], state: OpenedState, polling: Polling, logger: Logger, environment: [String: String]
    ) async throws(StartupError) -> ServeParts {
        let store = state.store
        guard var inbox = state.inbox else { throw StartupError("the state store \(state.location) was opened without its webhook inbox") }
        if case .postgres = state.location {
            // A webhook is answered 503 within 5 s while PostgreSQL is down, not after GitHub gave up.
            inbox = DeadlineInbox(inner: inbox, limit: .seconds(5))
        }
        let instance = try await InstanceIdentity.resolve(environment: environment, store: store, stateURL: state.location.description)
        logger.info("\(instance)", source: Composition.logSource)
        let transport = CurlTransport()
        let client = try Composition.awsClient(transport: transport, quiet: false)
        let connection = try Composition.githubConnection(settings.githubAuth, transport: transport, logger: logger)
        let github = connection?.client
        if github == nil {
            logger.warning("no GITHUB_TOKEN: commit statuses are written to this log instead of GitHub (and no GitHub App is configured)", source: Composition.logSource)
        }
        let pullRequests: (any PullRequestLookup)? = github.map { GitHubPullRequestLookup(client: $0) }
        // Statuses, deployments, comments and replies are written through the scheduler, with a
        // client that hands rate limits back to it instead of sleeping on them, and one budget per
        // token (per App installation).
        let writer = github.map(Self.scheduledWriteClient)
        var parts = ServeParts(
            blueprints: blueprints, store: store, workers: store, inbox: inbox,
            operations: PacedOperations(inner: Composition.operations(client: client, store: store, polling: polling, instance: instance.value)),
            statusPoster: writer.map { GitHubStatusPoster(client: $0) } ?? LogStatusPoster(logger: Logger(label: "prenv.statuses")),
            pullRequests: pullRequests,
            // The sweep does not ask about recorded PRs: serve leaves PR-closed environments to the
            // supervisor's own PR check, so asking again would only spend rate limit. It asks about
            // unrecorded ones, so an open PR's environment is adopted after a lost state, not deleted.
            orphanSweep: Composition.orphanSweep(
                client: client, store: store, blueprints: blueprints, instance: instance.value, pullRequests: nil,
                openPullRequestCheck: pullRequests, polling: polling),
            commands: writer.map { GitHubCommandClient(client: $0) }, github: writer, awsRegion: client.region)
        parts.githubApp = connection?.app
        if settings.repositoryBlueprints.enablesAny {
            // Reads go through the client with its own retries, not the write scheduler's.
            guard let github else {
                throw StartupError("repository_blueprints needs GitHub to read .prenv/: set GITHUB_TOKEN or configure the GitHub App")
            }
            parts.repositoryBlueprints = RepositoryBlueprintResolver(
                settings: settings.repositoryBlueprints, reader: RepositoryFolderReader(client: github), kinds: Composition.kinds)
        }
        if let credential = github?.credential {
            parts.writeBudgetKey = { repository in await credential.budgetKey(for: repository) }
        }
        return parts
    }

    /// The client behind the write scheduler: a rate limit comes back at once (with
    /// `GitHubError.retryAfter`) for `StatusReporter` to pause the token, instead of the client
    /// sleeping inside one write while every other write of the token waits behind it.
    static func scheduledWriteClient(_ client: GitHubClient) -> GitHubClient {
        client.with(retryPolicy: .forScheduledWrites)
    }
}
