import AWSCore
import Blueprint
import Foundation
import HTTPTransport
import Logging
import Orchestrator
import Supervisor

/// The composition root: the one place where prenv's parts are made and joined, for every command.
/// Commands parse flags and print; what they run on (AWS client, providers, state (`Composition+State`), executor,
/// the server) comes from here, so a test builds exactly what the binary builds.
public enum Composition {
    /// The `[source]` of `prenv serve`'s own log lines. They were written from the executable's
    /// module before the wiring moved here, and log lines are a contract (people grep them).
    static let logSource = "prenv"

    /// An AWS client configured from the process environment and AWS config files.
    /// - Parameter quiet: warnings only (the one-shot commands); `prenv serve` passes false, so its
    ///   log shows retries at info and every call at debug, each under the delivery and resource it
    ///   is for (`LogContext`).
    public static func awsClient(transport: any HTTPSender, quiet: Bool = true) throws(StartupError) -> AWSClient {
        do {
            var logger = Logger(label: "prenv.aws")
            if quiet { logger.logLevel = .warning }
            // `PRENV_AWS_PACING=static`: no adaptation to throttling (for before/after measurements only).
            let adaptive = ProcessInfo.processInfo.environment["PRENV_AWS_PACING"] != "static"
            return try AWSEnvironment.resolve(transport: transport, logger: logger)
                .makeClient(transport: transport, adaptivePacing: adaptive, logger: logger)
        } catch {
            throw StartupError("\(error.message) (run `prenv doctor` to check the AWS setup)")
        }
    }

    /// The executor `up` and `down` run: every provider, over a client from the environment, acting
    /// as `instance` (`InstanceIdentity.value`: tagged on what it creates, checked before changes).
    public static func executor(store: any StateStore, polling: Polling, instance: String?) throws(StartupError) -> Executor {
        let client = try awsClient(transport: CurlTransport())
        return Executor(providers: providers(client: client, polling: polling), store: store, maxConcurrency: polling.concurrency,
                        instance: instance)
    }

    /// What `serve`'s workers run: the same providers and instance; each run's pipeline stages reach
    /// the statuses of the environment it works on through its progress events.
    public static func operations(client: AWSClient, store: any StateStore, polling: Polling, instance: String?) -> ExecutorOperations {
        ExecutorOperations(store: store, maxConcurrency: polling.concurrency, providers: providers(client: client, polling: polling),
                           instance: instance)
    }

    /// Every blueprint in `directory`; `serve` does not start with a broken one, or with none.
    /// - Parameter orNoneWithRepositoryBlueprints: no server-side blueprint is fine (an empty or
    ///   missing folder) when repositories bring their own.
    public static func loadBlueprints(directory: String, orNoneWithRepositoryBlueprints: Bool = false) throws(StartupError) -> [Blueprint] {
        if orNoneWithRepositoryBlueprints, !FileManager.default.fileExists(atPath: directory) { return [] }
        let loaded: [Blueprint]
        do throws(BlueprintErrors) {
            loaded = try BlueprintLoader.loadAll(directory: directory, kinds: kinds)
        } catch {
            throw StartupError("fix the blueprints above; prenv serve does not start with a broken blueprint",
                               diagnostics: error.diagnostics.map(\.description))
        }
        guard !loaded.isEmpty || orNoneWithRepositoryBlueprints else {
            throw StartupError("no blueprints (*.yaml) in \(directory); set PRENV_BLUEPRINTS or --blueprints")
        }
        return loaded
    }
}
