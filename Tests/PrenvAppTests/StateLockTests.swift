import Foundation
import PrenvApp
import Testing

/// The advisory lock beside a SQLite state: one holder at a time, refusals that name the file and
/// the holder, released when the holder lets go. (flock locks belong to an open file, so two locks
/// in one process exclude each other as two processes do; `GCCommandTests` runs the processes.)
@Suite struct StateLockTests {
    static func temporaryState() -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-lock-\(UUID().uuidString)")
        return (directory.appendingPathComponent("state/state.sqlite").path, directory)
    }

    @Test func aSecondLockIsRefusedUntilTheFirstIsReleased() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let first = try StateLock(statePath: state.path, holder: .serve)
        #expect(first.path == state.path + ".lock")
        #expect(FileManager.default.fileExists(atPath: first.path))  // its directory made as the store would
        #expect(throws: StateLock.Failure.held(path: state.path + ".lock", holder: .serve)) {
            try StateLock(statePath: state.path, holder: .gcApply)
        }
        #expect(StateLock.Failure.held(path: first.path, holder: .serve).description == "prenv serve holds the lock \(first.path)")
        first.release()
        let second = try StateLock(statePath: state.path, holder: .gcApply)
        #expect(throws: StateLock.Failure.held(path: state.path + ".lock", holder: .gcApply)) {
            try StateLock(statePath: state.path, holder: .serve)
        }
        second.release()
    }

    @Test func droppingTheHolderReleasesIt() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        do {
            let held = try StateLock(statePath: state.path, holder: .serve)
            #expect(throws: StateLock.Failure.self) { try StateLock(statePath: state.path, holder: .serve) }
            withExtendedLifetime(held) {}
        }
        let again = try StateLock(statePath: state.path, holder: .serve)
        again.release()
    }

    @Test func gcApplyIsToldWhatServeDoesInstead() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let serve = try #require(try StateLock.forServe(stateURL: "sqlite:" + state.path))
        defer { serve.release() }
        #expect(throws: StartupError("prenv serve is using this state (lock \(state.path).lock); its sweep does this every "
                                     + "--gc-interval — see /api/orphans — or stop it first")) {
            try StateLock.forSweep(stateURL: "sqlite:" + state.path)
        }
    }

    @Test func aSecondServeIsRefusedNamingTheFile() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let serve = try #require(try StateLock.forServe(stateURL: "sqlite:" + state.path))
        defer { serve.release() }
        #expect(throws: StartupError("prenv serve is already using this state (lock \(state.path).lock); "
                                     + "stop it, or give this server its own --state (and PRENV_INSTANCE)")) {
            try StateLock.forServe(stateURL: "sqlite:" + state.path)
        }
    }

    @Test func aRunningGCApplyIsNamedAsSuch() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let gc = try #require(try StateLock.forSweep(stateURL: "sqlite:" + state.path))
        defer { gc.release() }
        #expect(throws: StartupError("another prenv gc --apply is using this state (lock \(state.path).lock); wait for it to finish")) {
            try StateLock.forSweep(stateURL: "sqlite:" + state.path)
        }
    }

    /// A file whose note is not ours (an older prenv, a hand-made file) still refuses, naming no one.
    @Test func aHolderThatWroteNoNoteIsAnotherProcess() throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let held = try StateLock(statePath: state.path, holder: .serve)
        defer { held.release() }
        try Data("something else\n".utf8).write(to: URL(fileURLWithPath: held.path))
        #expect(throws: StateLock.Failure.held(path: held.path, holder: nil)) { try StateLock(statePath: state.path, holder: .serve) }
    }

    @Test func anInMemoryStateNeedsNoLock() throws {
        #expect(try StateLock.forServe(stateURL: "sqlite::memory:") == nil)
        #expect(try StateLock.forSweep(stateURL: "sqlite::memory:") == nil)
    }

    @Test func aLockThatCannotBeOpenedSaysWhy() throws {
        // A directory where the lock file should be: open(2) fails with EISDIR.
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        try FileManager.default.createDirectory(atPath: state.path + ".lock", withIntermediateDirectories: true)
        #expect {
            try StateLock.forServe(stateURL: "sqlite:" + state.path)
        } throws: { error in
            "\(error)".contains("cannot use state store sqlite:\(state.path): cannot lock \(state.path).lock: Is a directory")
        }
    }
}
