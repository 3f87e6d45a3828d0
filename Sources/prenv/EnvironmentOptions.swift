import ArgumentParser
import Foundation
import Logging
import Orchestrator
import PrenvApp

/// Options shared by `up`, `down`, `ls` and `gc`: where state lives.
struct StateOptions: ParsableArguments {
    @Option(help: "State store URL: sqlite:PATH or postgres://USER@HOST[:PORT]/DB[?sslmode=…] (default sqlite:.prenv/state.sqlite, or $PRENV_STATE); a PostgreSQL password may also come from PGPASSWORD or the file PRENV_STATE_PASSWORD_FILE names.")
    var state: String = ProcessInfo.processInfo.environment["PRENV_STATE"] ?? "sqlite:.prenv/state.sqlite"

    /// Where `--state` points; what should be fixed but works is said on standard error.
    func location() throws -> StateLocation {
        try orExit { () throws(StartupError) in try StateLocation.parse(state) { printToStandardError("warning: \($0)") } }
    }

    /// Runs `body` on the open state and lets go of it afterwards, also when `body` throws (a
    /// PostgreSQL pool is closed rather than dropped).
    /// - Parameter existing: the state must already be there (`Composition.openExistingState`).
    func withState<T>(existing: Bool = false, _ body: (OpenedState) async throws -> T) async throws -> T {
        let location = try location()
        // postgres-nio's own lines: only what goes wrong, on standard error (standard output may be parsed).
        var logger = Logger(label: "prenv.state") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let opened = try await orExit { () async throws(StartupError) in
            existing ? try await Composition.openExistingState(location, logger: logger) : try await Composition.openState(location, logger: logger)
        }
        do {
            let result = try await body(opened)
            await opened.close()
            return result
        } catch {
            await opened.close()
            throw error
        }
    }

    /// Which prenv instance acts on `state` (`PRENV_INSTANCE`, else the id kept in it), said on
    /// standard error (standard output may be parsed).
    func announceInstance(state: OpenedState) async throws -> InstanceIdentity {
        let identity = try await orExit { () async throws(StartupError) in
            try await InstanceIdentity.resolve(environment: ProcessInfo.processInfo.environment, store: state.store,
                                               stateURL: state.location.description)
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
