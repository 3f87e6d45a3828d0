import ArgumentParser
import Foundation
import Orchestrator
import PrenvApp

/// Options shared by `up`, `down` and `ls`: where state lives.
struct StateOptions: ParsableArguments {
    @Option(help: "State store URL: sqlite:PATH (default sqlite:.prenv/state.sqlite, or $PRENV_STATE).")
    var state: String = ProcessInfo.processInfo.environment["PRENV_STATE"] ?? "sqlite:.prenv/state.sqlite"

    func openStore() throws -> any StateStore {
        try orExit { () throws(StartupError) in try Composition.openStore(url: state) }
    }

    /// Which prenv instance acts on `store` (`PRENV_INSTANCE`, else the id kept in it), said on
    /// standard error (standard output may be parsed).
    func announceInstance(store: any StateStore) async throws -> InstanceIdentity {
        let identity = try await orExit { () async throws(StartupError) in
            try await InstanceIdentity.resolve(environment: ProcessInfo.processInfo.environment, store: store, stateURL: state)
        }
        printToStandardError(identity.description)
        return identity
    }
}

/// How often providers poll AWS for progress (stacks, pipeline executions).
struct PollingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Seconds between the first status polls (backs off to 15 s).", visibility: .hidden))
    var pollInterval: Double = 2

    @Option(help: "How many resources to work on at once.")
    var concurrency: Int = 4

    var polling: Polling { Polling(pollInterval: pollInterval, concurrency: concurrency) }
}
