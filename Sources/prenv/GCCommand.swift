import ArgumentParser
import Foundation
import Orchestrator
import PrenvApp

/// `prenv gc`: finds the resources tagged for this prenv instance that no live environment record
/// accounts for (state lost, a crash between create and record, a `closed` webhook lost) and, with
/// `--apply`, deletes them in their blueprint's reverse dependency order with teardown's ownership
/// checks. The wiring is the composition root's; this reads flags, prints and sets the exit status.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Find (and with --apply delete) resources tagged for this prenv instance that no live environment accounts for.",
        discussion: """
            Reasons: no environment recorded; environment destroyed (its record has no live node for the resource); pull request closed on GitHub (only with GITHUB_TOKEN). Resources younger than --older-than are reported as spared and never deleted; so are, with --apply, resources whose creation time AWS did not report.

            Exit status: 0 nothing orphaned (with --apply: every orphan deleted); 3 orphans found in a dry run; 1 a deletion failed or a resource type could not be listed.
            """
    )

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var pollingOptions: PollingOptions
    @Option(help: "Folder of blueprints, for the deletion order (default ./blueprints, or $PRENV_BLUEPRINTS).")
    var blueprints: String = ProcessInfo.processInfo.environment["PRENV_BLUEPRINTS"] ?? "./blueprints"
    @Flag(exclusivity: .exclusive, help: "--dry-run (default) only reports; --apply deletes the orphans.")
    var mode: Mode = .dryRun
    @Option(name: .customLong("older-than"), help: "Only resources older than this count (s, m, h or d, e.g. 30m, 2d).")
    var olderThan: String = "1h"
    @Option(help: "Output format: table or json.") var format: OrphanReportRendering.Format = .table
    @Flag(name: .customLong("state-lost"),
          help: "The state store is gone: compare AWS with an empty state instead of opening --state. Needs PRENV_INSTANCE, the lost state's instance (printed when it started; every resource's prenv:instance tag).")
    var stateLost = false

    enum Mode: String, EnumerableFlag {
        case dryRun, apply

        static func name(for value: Self) -> NameSpecification { value == .dryRun ? .customLong("dry-run") : .customLong("apply") }
    }

    func validate() throws {
        do { _ = try OrphanAge.parse(olderThan) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let age: TimeInterval
        do { age = try OrphanAge.parse(olderThan) } catch { throw ValidationError(error.description) }
        let environment = ProcessInfo.processInfo.environment
        guard stateLost else {
            try await stateOptions.withState(existing: true) { state in
                let instance = try await stateOptions.announceInstance(state: state).value
                try await collect(store: state.store, instance: instance, lockFor: state, age: age, environment: environment)
            }
            return
        }
        try await collect(store: InMemoryStateStore(), instance: try lostStateInstance(environment), lockFor: nil, age: age, environment: environment)
    }

    /// Compares `store` with what AWS holds for `instance` and, with `--apply`, deletes the orphans.
    /// - Parameter lockFor: the state to hold `StateLock` on while deleting; nil for a lost state.
    func collect(store: any StateStore, instance: String, lockFor state: OpenedState?, age: TimeInterval,
                 environment: [String: String]) async throws {
        let sweep = try orExit { () throws(StartupError) in
            try Composition.orphanSweep(store: store, blueprintDirectory: blueprints, instance: instance,
                                        environment: environment, polling: pollingOptions.polling)
        }
        // Only deleting needs the state to itself (see `StateLock`); a dry run reads beside serve, and
        // a lost state has nothing to lock.
        let lock = mode == .apply ? try state.flatMap { state in
            try orExit { () throws(StartupError) in try StateLock.forSweep(state: state.location) }
        } : nil
        defer { withExtendedLifetime(lock) {} }
        let postgresLock = mode == .apply ? try await state.asyncFlatMap { state in
            try await orExit { () async throws(StartupError) in try await Composition.postgresStateLock(state, for: .gcApply) }
        } : nil
        // What deleting needs held is released on every way out (a PostgreSQL lock is a session of its own).
        func sweepAndReport() async throws {
            if sweep.blueprints.isEmpty {
                // S3 prefixes have no tags AWS can list: they are found through the buckets blueprints and
                // records name, and after a lost state only the blueprints are left to name them.
                printToStandardError("warning: no blueprints in \(blueprints): S3 prefixes are looked for only in the buckets "
                    + "the state records name; pass --blueprints (or set PRENV_BLUEPRINTS) to look in the blueprints' buckets too")
            }
            let outcome: OrphanCollection.Outcome
            do {
                outcome = try await OrphanCollection.run(sweep, olderThan: age, apply: mode == .apply, format: format)
            } catch let error as CancellationError {
                throw error
            } catch {
                printToStandardError("error: cannot read the state store \(Composition.redacted(stateURL: stateOptions.state)): \(error); nothing was deleted")
                throw ExitCode(1)
            }
            for line in outcome.problems { printToStandardError(line) }
            say(outcome.output)
            if outcome.status != 0 { throw ExitCode(outcome.status) }
        }
        do {
            try await sweepAndReport()
            await postgresLock?.release()
        } catch {
            await postgresLock?.release()
            throw error
        }
    }
}

extension GCCommand {
    /// The instance whose resources to look for when the state is gone (`--state-lost`). Everything
    /// not in the state counts as orphaned, so a state that merely is not there (a typo in `--state`,
    /// another machine) must not pass for an empty one: `gc` without `--state-lost` opens only a
    /// state that exists (`Composition.openExistingState`), and with it the instance must be named,
    /// since the id kept in the lost state went with it.
    func lostStateInstance(_ environment: [String: String]) throws -> String {
        let instance = try orExit { () throws(StartupError) in
            guard let value = try InstanceIdentity.fromEnvironment(environment) else {
                throw StartupError("--state-lost needs \(InstanceIdentity.variable): the instance whose resources to look for "
                    + "(printed when the lost state's prenv started, and tagged prenv:instance on every resource it made)")
            }
            return value
        }
        printToStandardError("prenv instance: \(instance) (from \(InstanceIdentity.variable)); state lost: comparing with an empty state")
        return instance
    }
}

extension OrphanReportRendering.Format: ExpressibleByArgument {}

extension Optional {
    /// `flatMap` for an async transform.
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
