#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LocalAWSSupport
import Testing

/// `prenv gc` run as a process: its flags and what it says when it cannot start. What it finds and
/// deletes is tested through the composition root with discoveries of the tests' own
/// (`PrenvAppTests/OrphanCollectionTests`), which is where the command gets its sweep and output.
@Suite struct GCCommandTests {
    /// AWS settings that resolve without touching the network; `gc` makes no call until it scans.
    static let aws = ["AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLEGC", "AWS_SECRET_ACCESS_KEY": "gc-test-secret-not-used"]

    static func temporaryState() -> (url: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-gc-\(UUID().uuidString)")
        return ("sqlite:\(directory.appendingPathComponent("state.sqlite").path)", directory)
    }

    /// A state that exists and is empty (SQLite takes a zero-length file for an empty database).
    static func existingState() throws -> (url: String, directory: URL) {
        let state = temporaryState()
        try FileManager.default.createDirectory(at: state.directory, withIntermediateDirectories: true)
        try Data().write(to: state.directory.appendingPathComponent("state.sqlite"))
        return state
    }

    @Test(arguments: ["soon", "1w", "-1h", "1.5h"])
    func aBadOlderThanIsAClearError(_ value: String) async throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let result = try await PrenvBinary.run(["gc", "--state", state.url, "--older-than=\(value)"], environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 64, "\(result.output)")  // a usage error, as ArgumentParser reports them
        #expect(result.output.contains("--older-than must be a whole number followed by s, m, h or d (e.g. 30m, 1h, 2d), got \"\(value)\""))
        #expect(!FileManager.default.fileExists(atPath: state.directory.path))  // refused before opening anything
    }

    @Test func dryRunAndApplyAreExclusive() async throws {
        let result = try await PrenvBinary.run(["gc", "--dry-run", "--apply"], environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("--dry-run") && result.output.contains("--apply"))
    }

    @Test func aBadFormatIsRefused() async throws {
        let result = try await PrenvBinary.run(["gc", "--format", "yaml"], environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("yaml"))
    }

    @Test func withoutAWSSettingsItSaysHowToCheckThem() async throws {
        let state = try Self.existingState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let result = try await PrenvBinary.run(["gc", "--state", state.url], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("prenv doctor"))
    }

    @Test func aBrokenBlueprintStopsItWithFileAndLine() async throws {
        let state = try Self.existingState()
        let blueprints = state.directory.appendingPathComponent("blueprints")
        try FileManager.default.createDirectory(at: blueprints, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: state.directory) }
        try "name: broken\non:\n  repositories: [\"acme/*\"]\nresources:\n  x:\n    type: aws/nothing\n"
            .write(to: blueprints.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let result = try await PrenvBinary.run(["gc", "--state", state.url, "--blueprints", blueprints.path],
                                               environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("broken.yaml:6:"))
        #expect(result.output.contains("error: fix the blueprints above: they order what prenv gc deletes"))
    }

    /// After a lost state only blueprints name the buckets S3 prefixes live in: without any, gc says
    /// so instead of reporting a clean account it did not fully look at.
    @Test func withoutBlueprintsItWarnsThatPrefixesAreOnlyLookedForWhereRecordsSay() async throws {
        try await LocalAWS.requireRunning()
        let state = try Self.existingState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let result = try await PrenvBinary.run(
            ["gc", "--state", state.url, "--blueprints", state.directory.appendingPathComponent("none").path],
            environment: PrenvBinary.isolatedEnvironment([
                "AWS_ACCESS_KEY_ID": LocalAWS.uniqueAccessKey(), "AWS_SECRET_ACCESS_KEY": "gc-test-secret", "AWS_REGION": LocalAWS.region,
                "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_INSTANCE": LocalAWS.uniqueName("gc-empty"),
            ]))
        #expect(result.status == 0, "\(result.output)")  // a fresh instance has nothing
        #expect(result.output.contains("warning: no blueprints in ") && result.output.contains("pass --blueprints"), "\(result.output)")
    }

    /// Everything the state does not hold counts as orphaned, so a state that is not there (a typo)
    /// must not pass for an empty one; `--state-lost` says so on purpose and needs the instance named.
    @Test func aMissingStateIsRefusedUnlessDeclaredLostWithTheInstanceNamed() async throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let missing = try await PrenvBinary.run(["gc", "--apply", "--state", state.url],
                                                environment: PrenvBinary.isolatedEnvironment(Self.aws.merging(["PRENV_INSTANCE": "gc-typo"]) { $1 }))
        #expect(missing.status == 1, "\(missing.output)")
        #expect(missing.output.contains("no state store at \(state.url)") && missing.output.contains("--state-lost"), "\(missing.output)")
        let unnamed = try await PrenvBinary.run(["gc", "--state-lost", "--state", state.url], environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(unnamed.status == 1, "\(unnamed.output)")
        #expect(unnamed.output.contains("--state-lost needs PRENV_INSTANCE"), "\(unnamed.output)")
        #expect(!FileManager.default.fileExists(atPath: state.directory.path), "nothing was created where the state was expected")
    }

    @Test func serveRefusesANegativeGCInterval() async throws {
        let result = try await PrenvBinary.run(["serve", "--gc-interval=-5"], environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 64, "\(result.output)")
        #expect(result.output.contains("--gc-interval must be 0 (no sweeps) or a number of seconds, got -5.0"))
    }

    // MARK: the state lock (`<state path>.lock`) between `serve` and `gc --apply`

    /// Holds `<statePath>.lock` as a running prenv would (flock, and its note), until `release`.
    final class HeldLock {
        let path: String
        private let fd: Int32

        init(statePath: String, note: String) throws {
            path = statePath + ".lock"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else { throw CocoaError(.fileLocking) }
            _ = note.withCString { write(fd, $0, strlen($0)) }
        }

        func release() { close(fd) }
    }

    static func statePath(_ state: (url: String, directory: URL)) -> String { String(state.url.dropFirst("sqlite:".count)) }

    @Test func applyIsRefusedWhileServeHoldsTheState() async throws {
        let state = try Self.existingState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let held = try HeldLock(statePath: Self.statePath(state), note: "prenv serve pid 1\n")
        defer { held.release() }
        let result = try await PrenvBinary.run(["gc", "--apply", "--state", state.url, "--blueprints", state.directory.appendingPathComponent("none").path],
                                               environment: PrenvBinary.isolatedEnvironment(Self.aws))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("error: prenv serve is using this state (lock \(held.path)); its sweep does this every --gc-interval "
                                       + "— see /api/orphans — or stop it first"), "\(result.output)")
    }

    @Test func aSecondServeOnTheSameStateRefusesToStart() async throws {
        let state = Self.temporaryState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let held = try HeldLock(statePath: Self.statePath(state), note: "prenv serve pid 1\n")
        defer { held.release() }
        let result = try await PrenvBinary.run(
            ["serve", "--port", "0", "--state", state.url, "--blueprints", ValidateCommandTests.blueprints.path],
            environment: PrenvBinary.isolatedEnvironment(Self.aws.merging(["PRENV_WEBHOOK_SECRET": "lock-test-secret"]) { $1 }))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("error: prenv serve is already using this state (lock \(held.path)); stop it, or give this server "
                                       + "its own --state (and PRENV_INSTANCE)"), "\(result.output)")
    }

    /// A dry run only reads: it runs beside a serve.
    @Test func aDryRunTakesNoLock() async throws {
        try await LocalAWS.requireRunning()
        let state = try Self.existingState()
        defer { try? FileManager.default.removeItem(at: state.directory) }
        let held = try HeldLock(statePath: Self.statePath(state), note: "prenv serve pid 1\n")
        defer { held.release() }
        let result = try await PrenvBinary.run(["gc", "--state", state.url, "--blueprints", state.directory.appendingPathComponent("none").path],
                                               environment: PrenvBinary.isolatedEnvironment(Self.localAWS("gc-dry-lock")))
        #expect(result.status == 0, "\(result.output)")
        #expect(!result.output.contains("is using this state"), "\(result.output)")
    }

    static func localAWS(_ instance: String) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": LocalAWS.uniqueAccessKey(), "AWS_SECRET_ACCESS_KEY": "gc-test-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString, "PRENV_INSTANCE": LocalAWS.uniqueName(instance),
        ]
    }

    /// A real serve holds its state's lock for its life, and `kill -9` releases it (the kernel drops
    /// flock locks with the process): no stale lock to clear after a crash.
    @Test func aRunningServeHoldsTheLockUntilItIsKilled() async throws {
        let serve = try await ServeHarness("gc-lock")
        defer { serve.stop() }
        let arguments = ["gc", "--apply", "--state", "sqlite:" + serve.statePath, "--blueprints", serve.blueprints.path]
        let environment = PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": serve.accessKey, "AWS_SECRET_ACCESS_KEY": "serve-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
        ])
        let refused = try await PrenvBinary.run(arguments, environment: environment)
        #expect(refused.status == 1, "\(refused.output)")
        #expect(refused.output.contains("error: prenv serve is using this state (lock \(serve.statePath).lock)"), "\(refused.output)")

        serve.kill9()
        let allowed = try await PrenvBinary.run(arguments, environment: environment)
        #expect(allowed.status == 0, "\(allowed.output)")  // nothing of this instance was ever made
        #expect(!allowed.output.contains("is using this state"), "\(allowed.output)")
    }
}
