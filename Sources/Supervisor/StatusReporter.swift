import Foundation
import GitHub
import Logging

/// Where commit statuses go: GitHub, or the log when prenv has no token.
public protocol CommitStatusPoster: Sendable {
    func post(repository: String, sha: String, status: CommitStatus) async throws
}

/// Posts statuses in the order they were submitted, one at a time, off the provisioning path:
/// `submit` never waits, so GitHub being slow or down never blocks an apply or a destroy. A status
/// equal to the last one posted for the same commit and context is not sent again ("post only on
/// change"); a status GitHub still refuses after the client's retries is logged and dropped.
public final class StatusReporter: Sendable {
    struct Item: Sendable {
        var repository: String
        var sha: String
        var status: CommitStatus
    }

    private let continuation: AsyncStream<Item>.Continuation
    private let stream: AsyncStream<Item>
    private let poster: any CommitStatusPoster
    private let logger: Logger

    public init(poster: any CommitStatusPoster, logger: Logger = Logger(label: "prenv.statuses")) {
        (stream, continuation) = AsyncStream.makeStream(of: Item.self)
        self.poster = poster
        self.logger = logger
    }

    /// Queues a status; returns at once.
    public func submit(repository: String, sha: String, status: CommitStatus) {
        continuation.yield(Item(repository: repository, sha: sha, status: status))
    }

    /// How many (commit, context) pairs the "post only on change" memory keeps; the oldest are
    /// forgotten first (a forgotten pair at worst posts one repeat), so a long-running server's
    /// memory stays bounded.
    static let rememberedStatuses = 10_000

    /// Posts until `finish()` is called and the queue is empty; run it in the server's task group.
    public func run() async {
        var lastPosted: [String: CommitStatus] = [:]
        var order: [String] = []
        for await item in stream {
            let key = "\(item.repository)@\(item.sha)/\(item.status.context)"
            guard lastPosted[key] != item.status else { continue }
            do {
                try await poster.post(repository: item.repository, sha: item.sha, status: item.status)
                if lastPosted.updateValue(item.status, forKey: key) == nil { order.append(key) }
                if order.count > Self.rememberedStatuses {
                    let forgotten = order.prefix(order.count - Self.rememberedStatuses * 9 / 10)
                    for old in forgotten { lastPosted[old] = nil }
                    order.removeFirst(forgotten.count)
                }
            } catch {
                logger.warning("commit status not posted", metadata: [
                    "repository": "\(item.repository)", "sha": "\(item.sha)", "context": "\(item.status.context)",
                    "error": "\(error)",
                ])
            }
        }
    }

    /// Ends `run()` once what is queued has been posted.
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
