import Supervisor

/// The knobs of `prenv serve` that only flags set (unlike `ServeSettings`, they have no environment
/// variable or config key, and they are not part of the settings line the server logs).
public struct ServeOptions: Sendable, Equatable {
    /// GitHub caps webhook payloads at 25 MB; a `pull_request` payload is tens of kilobytes, so
    /// 5 MB leaves ample room and bounds what an attacker can make the server buffer.
    public var maxBodyBytes: Int
    /// Seconds between reconciler passes (retry failed teardowns, drain stragglers).
    public var reconcileInterval: Double
    /// Seconds between asking GitHub about each open PR, to catch webhooks that never arrived.
    public var prCheckInterval: Double
    /// Seconds between orphan sweeps, which delete only orphans older than this; 0 disables them.
    public var gcInterval: Double
    /// Where to write `{"url": …}` once listening, for tests that start the binary on port 0.
    public var readyFile: String?
    /// Seconds a teardown may keep failing before it is reported as stuck (a failure status on the
    /// PR, a warning per retry, `stuck_teardowns` in `/api/environments`).
    public var teardownAlertAfter: Double
    /// Seconds between two edits of one sticky PR comment (`--comment-interval`); the final state is always written.
    public var commentInterval: Double
    /// GitHub writes per minute and per hour per token (GitHub's secondary limits: about 80 and 500);
    /// the write scheduler keeps within both, finals first.
    public var githubWritesPerMinute: Int
    public var githubWritesPerHour: Int
    /// Seconds running operations may take to finish after SIGTERM before they are stopped (`ServeLifecycle`).
    public var shutdownGrace: Double = 20
    /// `--log-format`: how `prenv serve` writes its log (the command bootstraps logging with it).
    public var logFormat: LogFormat = .text

    public init(maxBodyBytes: Int = 5 * 1024 * 1024, reconcileInterval: Double = 60, prCheckInterval: Double = 300, gcInterval: Double = 3600,
                readyFile: String? = nil, teardownAlertAfter: Double = EnvironmentSupervisor.defaultTeardownAlertAfter,
                commentInterval: Double = EnvironmentPresence.defaultCommentInterval, githubWritesPerMinute: Int = 80, githubWritesPerHour: Int = 500) {
        self.commentInterval = commentInterval
        self.githubWritesPerMinute = githubWritesPerMinute
        self.githubWritesPerHour = githubWritesPerHour
        self.gcInterval = gcInterval
        self.maxBodyBytes = maxBodyBytes
        self.reconcileInterval = reconcileInterval
        self.prCheckInterval = prCheckInterval
        self.readyFile = readyFile
        self.teardownAlertAfter = teardownAlertAfter
    }

    /// The write budget the flags describe.
    var writeBudget: WriteBudget.Configuration {
        WriteBudget.Configuration(perMinute: githubWritesPerMinute, perHour: githubWritesPerHour)
    }

    /// An interval flag as a duration, never below 50 ms (a zero would spin).
    public static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64(max(seconds, 0.05) * 1000))
    }
}
