import Foundation
import GitHub
import Logging
import Orchestrator

/// Where commit statuses go: GitHub, or the log when prenv has no token.
public protocol CommitStatusPoster: Sendable {
    func post(repository: String, sha: String, status: CommitStatus) async throws
}

/// Sends every GitHub write (`GitHubWrite`) off the provisioning path, within GitHub's write limits:
/// `submit` never waits, so GitHub being slow, down or rate-limiting never blocks an apply or a destroy.
///
/// Writes are grouped by budget key (the token they are made with: an App installation or a PAT,
/// from `budgetKey`); each key has one serial sender (GitHub asks integrations to make writes
/// serially) that waits for the key's `WriteBudget`, sends finals before intermediates and sheds
/// what is superseded (`WriteQueue`). A write equal to the last one sent under the same key is not
/// sent again ("post only on change").
///
/// Rate limits: the client behind the writes must use `GitHubRetryPolicy.forScheduledWrites`, so a
/// 403/429 rate limit comes back at once as a `GitHubError` with `retryAfter` instead of the client
/// sleeping (up to two minutes) inside `perform` while holding the sender. The sender then pauses its
/// key for as long as GitHub asked and puts the write back in line: a final is never lost, an
/// intermediate may be superseded meanwhile. Any other refusal is logged and the write dropped.
public final class StatusReporter: Sendable {
    enum Input: Sendable {
        case write(GitHubWrite)
        case headMoved(repository: String, pullRequest: Int, sha: String)
    }

    private let continuation: AsyncStream<Input>.Continuation
    private let stream: AsyncStream<Input>
    private let poster: any CommitStatusPoster
    private let scheduler: WriteScheduler
    private let budgetKey: @Sendable (String) async -> String
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: the write budget per key (`--github-writes-per-minute`, `--github-writes-per-hour`).
    ///   - budgetKey: which budget a repository's writes count against: the token used for it (an App
    ///     installation's, or the one PAT). Asked once per write, off the submitter's path.
    public init(poster: any CommitStatusPoster, configuration: WriteBudget.Configuration = WriteBudget.Configuration(),
                budgetKey: @escaping @Sendable (String) async -> String = { _ in "token" },
                logger: Logger = Logger(label: "prenv.statuses")) {
        (stream, continuation) = AsyncStream.makeStream(of: Input.self)
        self.poster = poster
        self.scheduler = WriteScheduler(configuration: configuration)
        self.budgetKey = budgetKey
        self.logger = logger
    }

    /// Queues a write; returns at once.
    public func submit(_ write: GitHubWrite) {
        continuation.yield(.write(write))
    }

    /// Queues a commit status; returns at once. `pending` is intermediate, any other state final.
    public func submit(repository: String, sha: String, status: CommitStatus, pullRequest: Int? = nil) {
        let poster = poster
        submit(GitHubWrite(
            kind: .commitStatus, priority: status.state == .pending ? .intermediate : .final, repository: repository,
            pullRequest: pullRequest, sha: sha, coalescingKey: "status \(repository)@\(sha)/\(status.context)",
            fingerprint: Self.fingerprint(status)
        ) {
            try await poster.post(repository: repository, sha: sha, status: status)
            return 1
        })
    }

    /// The PR's head is now `sha`; queued and later writes about its earlier commits are dropped.
    public func headMoved(repository: String, pullRequest: Int, to sha: String) {
        continuation.yield(.headMoved(repository: repository, pullRequest: pullRequest, sha: sha))
    }

    static func fingerprint(_ status: CommitStatus) -> String {
        [status.state.rawValue, status.description ?? "", status.targetURL?.absoluteString ?? ""].joined(separator: "\u{1F}")
    }

    /// What was sent, shed and waited for so far.
    public func statistics() async -> WriteStatistics {
        await scheduler.currentStatistics()
    }

    /// Sends until `finish()` is called and every final is sent or dropped; run it in the server's
    /// task group. Intermediates still waiting for budget at finish are dropped.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for await input in stream {
                switch input {
                case .write(let write):
                    let key = await budgetKey(write.repository)
                    if await scheduler.accept(write, key: key) {
                        group.addTask { await self.send(key: key) }
                    }
                case .headMoved(let repository, let pullRequest, let sha):
                    await scheduler.headMoved(repository: repository, pullRequest: pullRequest, to: sha)
                }
            }
            await scheduler.finish()
            await withTaskCancellationHandler {
                await group.waitForAll()
            } onCancel: {
                Task { await self.scheduler.wakeAll() }
            }
        }
    }

    /// The one sender of `key`.
    private func send(key: String) async {
        while !Task.isCancelled {
            switch await scheduler.next(key: key) {
            case .done:
                return
            case .wait(let until, let generation):
                await withTaskCancellationHandler {
                    await scheduler.waitForWork(key: key, until: until, generation: generation)
                } onCancel: {
                    Task { await self.scheduler.wake(key) }
                }
            case .send(let write):
                guard await LogContext.$current.withValue(write.logContext, operation: { await send(write, key: key) }) else { return }
            }
        }
    }

    /// Sends one write under its own log context; false when the sender must stop (cancelled).
    private func send(_ write: GitHubWrite, key: String) async -> Bool {
        if let ownership = write.ownership, !ownership.isHeld() {
            logger.debug("GitHub write dropped: this replica no longer holds the pull request's lease", metadata: [
                "write": "\(write.subject)", "lease": "\(ownership.lease)",
            ])
            await scheduler.leaseLost(write, key: key)
            return true
        }
        do {
            let requests = try await WriteFence.$current.withValue(write.ownership?.lease) { try await write.perform() }
            logger.debug("GitHub write sent", metadata: [
                "write": "\(write.subject)", "requests": "\(requests)",
            ])
            await scheduler.sent(write, key: key, requests: requests)
        } catch is CancellationError {
            await scheduler.abandoned()
            return false
        } catch let error as GitHubError where error.retryAfter != nil {
            let wait = error.retryAfter ?? .seconds(60)
            logger.notice("GitHub rate limit: pausing this token's writes", metadata: [
                "kind": "\(write.kind.rawValue)", "repository": "\(write.repository)", "wait": "\(wait)",
                "status": "\(error.status)",
            ])
            await scheduler.rateLimited(write, key: key, wait: wait)
        } catch {
            logger.warning("GitHub write not sent", metadata: [
                "kind": "\(write.kind.rawValue)", "repository": "\(write.repository)", "sha": "\(write.sha ?? "-")",
                "write": "\(write.subject)", "error": "\(error)",
            ])
            await scheduler.refused(write, key: key)
        }
        return true
    }

    /// Ends `run()` once the finals queued have been sent (or dropped); later submissions are ignored.
    public func finish() { continuation.finish() }
}

/// Posts to GitHub's REST API.
public struct GitHubStatusPoster: CommitStatusPoster {
    let client: GitHubClient

    public init(client: GitHubClient) { self.client = client }

    public func post(repository: String, sha: String, status: CommitStatus) async throws {
        let parts = repository.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw GitHubError(status: 0, message: "repository \(repository) is not OWNER/NAME") }
        try await client.createStatus(owner: parts[0], repo: parts[1], sha: sha, status: status)
    }
}

/// Without a GitHub token: each status becomes a log line, so `prenv serve` is useful locally.
public struct LogStatusPoster: CommitStatusPoster {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func post(repository: String, sha: String, status: CommitStatus) async throws {
        var metadata: Logger.Metadata = [
            "repository": "\(repository)", "sha": "\(sha.prefix(12))", "context": "\(status.context)", "state": "\(status.state.rawValue)",
        ]
        if let url = status.targetURL { metadata["target_url"] = "\(url.absoluteString)" }
        logger.info("status \(status.context) \(status.state.rawValue): \(status.description ?? "")", metadata: metadata)
    }
}
