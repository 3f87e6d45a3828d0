import Foundation
import GitHub
import Logging

/// Where commit statuses go: GitHub, or the log when prenv has no token.
public protocol CommitStatusPoster: Sendable {
    func post(repository: String, sha: String, status: CommitStatus) async throws
}

/// Sends every GitHub write (`GitHubWrite`) off the provisioning path: `submit` never waits, so
/// GitHub being slow or down never blocks an apply or a destroy. A write equal to the last one sent
/// under the same key is not sent again ("post only on change"); a write GitHub still refuses after
/// the client's retries is logged and dropped.
public final class StatusReporter: Sendable {
    private let continuation: AsyncStream<GitHubWrite>.Continuation
    private let stream: AsyncStream<GitHubWrite>
    private let poster: any CommitStatusPoster
    private let logger: Logger

    public init(poster: any CommitStatusPoster, logger: Logger = Logger(label: "prenv.statuses")) {
        (stream, continuation) = AsyncStream.makeStream(of: GitHubWrite.self)
        self.poster = poster
        self.logger = logger
    }

    /// Queues a write; returns at once.
    public func submit(_ write: GitHubWrite) {
        continuation.yield(write)
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

    /// The PR's head is now `sha`; writes about its earlier commits are superseded.
    public func headMoved(repository: String, pullRequest: Int, to sha: String) {}

    static func fingerprint(_ status: CommitStatus) -> String {
        [status.state.rawValue, status.description ?? "", status.targetURL?.absoluteString ?? ""].joined(separator: "\u{1F}")
    }

    /// How many keys the "post only on change" memory keeps; the oldest are forgotten first (a
    /// forgotten key at worst sends one repeat), so a long-running server's memory stays bounded.
    static let rememberedStatuses = 10_000

    /// Sends until `finish()` is called and the queue is empty; run it in the server's task group.
    public func run() async {
        var lastSent: [String: String] = [:]
        var order: [String] = []
        for await write in stream {
            if let fingerprint = write.fingerprint, lastSent[write.coalescingKey] == fingerprint { continue }
            do {
                _ = try await write.perform()
                guard let fingerprint = write.fingerprint else { continue }
                if lastSent.updateValue(fingerprint, forKey: write.coalescingKey) == nil { order.append(write.coalescingKey) }
                if order.count > Self.rememberedStatuses {
                    let forgotten = order.prefix(order.count - Self.rememberedStatuses * 9 / 10)
                    for old in forgotten { lastSent[old] = nil }
                    order.removeFirst(forgotten.count)
                }
            } catch {
                logger.warning("GitHub write not sent", metadata: [
                    "kind": "\(write.kind.rawValue)", "repository": "\(write.repository)", "sha": "\(write.sha ?? "-")",
                    "key": "\(write.coalescingKey)", "error": "\(error)",
                ])
            }
        }
    }

    /// Ends `run()` once what is queued has been sent.
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
