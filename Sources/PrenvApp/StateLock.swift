#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The advisory lock that keeps two deleters off one SQLite state: `prenv serve` holds it for its
/// life, and `prenv gc --apply` takes it for its run, so a gc cannot delete what serve's workers
/// are adopting (and two serves cannot run one state's environments twice). A dry run reads only
/// and takes none.
///
/// It is `flock(LOCK_EX | LOCK_NB)` on `<state path>.lock`, a file of its own (SQLite's locks are
/// per transaction and it may replace its files). The kernel drops the lock when the process exits,
/// `kill -9` included, so a crash never leaves a stale lock to clear by hand; the file itself stays.
/// The holder writes its role and pid into the file, so a refusal can say who holds it.
public final class StateLock: Sendable {
    /// Who takes the lock, as written into the file and named in a refusal.
    public enum Holder: String, Sendable, CaseIterable {
        case serve = "prenv serve"
        case gcApply = "prenv gc --apply"
    }

    /// Why the lock was not taken.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another process holds it (`holder` as its file says, when it says).
        case held(path: String, holder: Holder?)
        /// The lock file could not be opened or locked: `errno` and what it means.
        case unavailable(path: String, errno: Int32, reason: String)

        public var description: String {
            switch self {
            case .held(let path, let holder): "\(holder?.rawValue ?? "another prenv process") holds the lock \(path)"
            case .unavailable(let path, _, let reason): "cannot lock \(path): \(reason)"
            }
        }
    }

    /// The lock file's path.
    public let path: String
    private let descriptor: Mutex<Int32?>

    /// `<statePath>.lock`: beside the database, so whoever can use the state can lock it.
    public static func path(forState statePath: String) -> String { statePath + ".lock" }

    /// Takes the lock of the SQLite state at `statePath` for `holder`, or throws at once (never
    /// waits). Creates the state's directory, as opening the store would.
    public init(statePath: String, holder: Holder) throws(Failure) {
        let path = Self.path(forState: statePath)
        self.path = path
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure.unavailable(path: path, errno: errno, reason: Self.reason(errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = code == EWOULDBLOCK ? Self.holder(writtenIn: fd) : nil
            close(fd)
            if code == EWOULDBLOCK { throw Failure.held(path: path, holder: holder) }
            throw Failure.unavailable(path: path, errno: code, reason: Self.reason(code))
        }
        // Best effort: the note only words a refusal; the lock holds without it.
        let note = "\(holder.rawValue) pid \(getpid())\n"
        if ftruncate(fd, 0) == 0 { _ = note.withCString { write(fd, $0, strlen($0)) } }
        descriptor = Mutex(fd)
    }

    /// Releases the lock (closing the file); exiting does the same.
    public func release() {
        descriptor.withLock { fd in
            if let open = fd { close(open) }
            fd = nil
        }
    }

    deinit { release() }

    /// Who the file says holds it: the start of the note the holder wrote.
    private static func holder(writtenIn fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let note = String(decoding: buffer[0..<count], as: UTF8.self)
        return Holder.allCases.first { note.hasPrefix($0.rawValue + " ") }
    }

    private static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}

extension StateLock {
    /// `prenv serve`'s lock on the state `stateURL` names, held until the process ends; nil for an
    /// in-memory state, which no other process can reach, and for PostgreSQL (see `take`).
    public static func forServe(stateURL: String) throws(StartupError) -> StateLock? {
        try forServe(state: StateLocation.parse(stateURL))
    }

    public static func forServe(state: StateLocation) throws(StartupError) -> StateLock? {
        try take(state, holder: .serve) { path, holder in
            "\(holder?.rawValue ?? "another prenv process") is already using this state (lock \(path)); "
                + "stop it, or give this server its own --state (and PRENV_INSTANCE)"
        }
    }

    /// `prenv gc --apply`'s lock: refused while `prenv serve` (or another `gc --apply`) uses the state.
    public static func forSweep(stateURL: String) throws(StartupError) -> StateLock? {
        try forSweep(state: StateLocation.parse(stateURL))
    }

    public static func forSweep(state: StateLocation) throws(StartupError) -> StateLock? {
        try take(state, holder: .gcApply) { path, holder in
            holder == .gcApply
                ? "another prenv gc --apply is using this state (lock \(path)); wait for it to finish"
                : "prenv serve is using this state (lock \(path)); its sweep does this every --gc-interval — see /api/orphans — or stop it first"
        }
    }

    /// A file lock for a SQLite file. PostgreSQL's exclusion between `serve` replicas and
    /// `gc --apply` is the database's own advisory lock (`Composition.postgresStateLock`): nil here.
    private static func take(_ state: StateLocation, holder: Holder, refusal: (String, Holder?) -> String) throws(StartupError) -> StateLock? {
        guard case .sqlite(let statePath) = state, statePath != ":memory:" else { return nil }
        do {
            return try StateLock(statePath: statePath, holder: holder)
        } catch .held(let path, let other) {
            throw StartupError(refusal(path, other))
        } catch {
            throw StartupError("cannot use state store \(state): \(error)")
        }
    }
}
