import Foundation
import Logging
import Orchestrator
import StateStorePostgres
import StateStoreSQLite
import Supervisor

/// A state opened for a command or for `serve`: the stores on it, and how to let go of it (a
/// PostgreSQL pool must be closed; a SQLite file closes with its last reference).
public struct OpenedState: Sendable {
    public let location: StateLocation
    /// The environment records and the worker records (one object in both stores).
    public let store: any StateStore & WorkerStore
    /// The webhook inbox; opened only for `serve` (`Composition.openState(…, inbox: true)`).
    public let inbox: (any EventInbox)?
    /// The PostgreSQL state behind `store`, for the replica machinery; nil on SQLite.
    public let postgres: PostgresState?
    private let closing: @Sendable () async -> Void

    init(location: StateLocation, store: any StateStore & WorkerStore, inbox: (any EventInbox)?, postgres: PostgresState? = nil,
         close: @escaping @Sendable () async -> Void = {}) {
        self.location = location
        self.store = store
        self.inbox = inbox
        self.postgres = postgres
        closing = close
    }

    /// Lets go of the state: stops a PostgreSQL pool (after which every store call fails).
    public func close() async { await closing() }
}

extension Composition {
    /// The `--state` value `url` as a location; warnings (a password file others may read) go to `logger`.
    public static func stateLocation(url: String?, logger: Logger, workingDirectory: String = FileManager.default.currentDirectoryPath,
                                     environment: [String: String] = ProcessInfo.processInfo.environment) throws(StartupError) -> StateLocation {
        try StateLocation.parse(url, workingDirectory: workingDirectory, environment: environment) {
            logger.warning("\($0)", source: logSource)
        }
    }

    /// Opens the state at `location`: SQLite creates its file (and folder) when missing; PostgreSQL
    /// is connected to and migrated to this build's schema (under an advisory lock, so replicas
    /// starting at once migrate once), and a database a newer prenv migrated is refused.
    /// - Parameter inbox: also open the webhook inbox (`serve`).
    public static func openState(_ location: StateLocation, inbox: Bool = false, logger: Logger) async throws(StartupError) -> OpenedState {
        switch location {
        case .sqlite(let path):
            do {
                let store = try SQLiteStateStore(path: path)
                return OpenedState(location: location, store: store, inbox: inbox ? try SQLiteEventInbox(path: path) : nil)
            } catch {
                throw StartupError("cannot open state store \(location): \(error)")
            }
        case .postgres(let postgres):
            let state: PostgresState
            do {
                state = try await PostgresState.open(postgres, logger: logger)
            } catch is CancellationError {
                throw StartupError("cancelled while opening the state store \(location)")
            } catch {
                // `PostgresStateError` names the location itself, never the password.
                throw StartupError("cannot open state store \(location): \(error)")
            }
            return OpenedState(location: location, store: state.store, inbox: inbox ? state.inbox : nil, postgres: state,
                               close: { await state.close() })
        }
    }

    /// The state at `location`, which must already hold prenv's state: for commands that would read a
    /// missing state as an empty one and act on that (`prenv gc` calls everything the state does not
    /// hold an orphan). SQLite: the file must exist. PostgreSQL: the database must have prenv's
    /// schema (a database prenv never migrated is not a state that lost its environments).
    public static func openExistingState(_ location: StateLocation, logger: Logger) async throws(StartupError) -> OpenedState {
        let missing = "prenv gc calls everything the state does not hold an orphan, so it does not start from a state that is not there "
        switch location {
        case .sqlite(let path):
            guard path != ":memory:", FileManager.default.fileExists(atPath: path) else {
                throw StartupError("no state store at \(location): \(missing)(a wrong --state or PRENV_STATE?); "
                    + "if the state is lost, pass --state-lost with PRENV_INSTANCE set")
            }
        case .postgres(let postgres):
            let version: Int
            do {
                version = try await PostgresSchema.version(at: postgres, logger: logger)
            } catch is CancellationError {
                throw StartupError("cancelled while reading the state store \(location)")
            } catch {
                throw StartupError("cannot read state store \(location): \(error)")
            }
            guard version > 0 else {
                throw StartupError("no prenv state in \(location) (no schema yet): \(missing)(a wrong --state or PRENV_STATE?); "
                    + "if the state is lost, pass --state-lost with PRENV_INSTANCE set")
            }
        }
        return try await openState(location, logger: logger)
    }

    /// `prenv doctor`'s look at the state, changing nothing: a SQLite file is not opened (it is made on
    /// first use); a PostgreSQL database is connected to once and its schema version compared with
    /// this build's. `ok` false: serve would not start on it.
    public static func checkState(_ location: StateLocation, connectTimeout: Duration, logger: Logger) async -> (ok: Bool, detail: String) {
        switch location {
        case .sqlite(let path):
            if path == ":memory:" { return (true, "\(location): in memory, gone when the process ends") }
            return FileManager.default.fileExists(atPath: path)
                ? (true, "\(location)")
                : (true, "\(location): not there yet (the first prenv up or prenv serve creates it)")
        case .postgres(let postgres):
            do {
                switch try await PostgresSchema.status(at: postgres, connectTimeout: connectTimeout, logger: logger) {
                case .none: return (true, "\(location): connected; no schema yet (prenv serve creates it)")
                case .current(let version): return (true, "\(location): connected; schema version \(version) (current)")
                case .older(let version, let current):
                    return (true, "\(location): connected; schema version \(version) (prenv serve migrates it to \(current))")
                case .newer(let version, let supported):
                    return (false, "\(location): schema version \(version) is newer than this prenv knows (\(supported)): upgrade prenv")
                }
            } catch {
                // `PostgresStateError` names the location (never the password) and what went wrong.
                return (false, "\(error)")
            }
        }
    }

    /// PostgreSQL's counterpart of the SQLite file's `StateLock`: `serve` replicas hold it shared,
    /// `gc --apply` exclusively (refused while any serve runs, and the other way round). Nil on SQLite.
    public static func postgresStateLock(_ state: OpenedState, for holder: StateLock.Holder) async throws(StartupError) -> PostgresStateLock? {
        guard let postgres = state.postgres else { return nil }
        do {
            return try await postgres.stateLock(holder == .serve ? .serve : .gcApply)
        } catch let failure as PostgresStateLock.Failure {
            throw StartupError("\(failure) (state \(state.location))")
        } catch is CancellationError {
            throw StartupError("cancelled while locking the state \(state.location)")
        } catch {
            throw StartupError("cannot lock the state \(state.location): \(error)")
        }
    }

    /// A `--state` value as errors and logs may show it: any password in it replaced.
    public static func redacted(stateURL: String) -> String {
        StateLocation.isPostgres(stateURL) ? PostgresLocation.redacted(stateURL) : StateURLError.redacted(stateURL)
    }
}
