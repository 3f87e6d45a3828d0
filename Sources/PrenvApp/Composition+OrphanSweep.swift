import AWSCore
import Blueprint
import Foundation
import GitHub
import HTTPTransport
import Orchestrator
import Providers
import Supervisor

/// The orphan sweep's wiring, for `prenv gc` and `prenv serve` alike.
extension Composition {
    /// Resource types, dependencies first, as `ProviderKind.all` lists them: orphans that no loaded
    /// blueprint orders are deleted walking it backwards (stacks, pipelines, projects, prefixes).
    public static var dependencyOrder: [ResourceType] { ProviderKind.all.map(\.type) }

    /// One discovery per shipped kind over `client`.
    public static func discoveries(client: AWSClient) -> [any ResourceDiscovery] {
        ProviderKind.all.makeDiscoveries(ProviderDependencies(client: client))
    }

    /// The sweep over the real providers; `discoveries` defaults to the shipped kinds' (tests
    /// pass their own).
    public static func orphanSweep(
        client: AWSClient, store: any StateStore, blueprints: [Blueprint], instance: String, pullRequests: (any PullRequestLookup)?,
        openPullRequestCheck: (any PullRequestLookup)? = nil, polling: Polling, discoveries: [any ResourceDiscovery]? = nil
    ) -> OrphanSweep {
        OrphanSweep(
            discoveries: discoveries ?? self.discoveries(client: client), store: store, blueprints: blueprints, instance: instance,
            pullRequests: pullRequests, openPullRequestCheck: openPullRequestCheck, providers: providers(client: client, polling: polling), dependencyOrder: dependencyOrder,
            maxConcurrency: polling.concurrency)
    }

    /// `prenv gc`'s sweep: AWS from the environment, `store`, the blueprints in `blueprintDirectory`
    /// (none is fine: orphans are then deleted in `dependencyOrder`), and the PR-closed check when
    /// `environment` has `GITHUB_TOKEN` or a GitHub App (and optionally `GITHUB_API_URL`).
    public static func orphanSweep(
        store: any StateStore, blueprintDirectory: String, instance: String, environment: [String: String], polling: Polling
    ) throws(StartupError) -> OrphanSweep {
        let blueprints = try sweepBlueprints(directory: blueprintDirectory)
        let transport = CurlTransport()
        let client = try awsClient(transport: transport)
        return orphanSweep(client: client, store: store, blueprints: blueprints, instance: instance,
                           pullRequests: try pullRequestLookup(environment: environment, transport: transport), polling: polling)
    }

    /// The blueprints that order a sweep. A broken one stops it (its order is unknown); a missing
    /// folder or an empty one does not (the state may be all that is left).
    static func sweepBlueprints(directory: String) throws(StartupError) -> [Blueprint] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else { return [] }
        do throws(BlueprintErrors) {
            return try BlueprintLoader.loadAll(directory: directory, kinds: kinds)
        } catch {
            throw StartupError("fix the blueprints above: they order what prenv gc deletes", diagnostics: error.diagnostics.map(\.description))
        }
    }

    /// GitHub's answer to "is this PR closed?", with `GITHUB_TOKEN` or a GitHub App; nil without either.
    public static func pullRequestLookup(environment: [String: String], transport: any HTTPSender) throws(StartupError) -> (any PullRequestLookup)? {
        let auth: GitHubAuthSettings
        do throws(ServeSettings.Problem) {
            auth = try GitHubAuthSettings.fromEnvironment(environment)
        } catch {
            throw StartupError(error.description)
        }
        return try githubConnection(auth, transport: transport).map { GitHubPullRequestLookup(client: $0.client) }
    }
}
