import Foundation
import GitHub
import Orchestrator
import Synchronization

/// The recent events of each environment, for the dashboard: webhooks received (with their
/// delivery id and action), operations started and ended, commit statuses queued for GitHub.
/// The log has all of this too, but an operator looking at one environment should not have to grep
/// for it. Kept in memory only (a restart starts afresh; the log and the store keep the history),
/// and bounded three ways, since every text in it can come from a PR or from AWS: `capacity` entries
/// per environment, `textLimit` characters per text, `keptEnvironments` environments.
///
/// Webhooks are about a pull request, not one of its blueprints, so they are kept per PR and shown
/// with every environment of that PR.
public final class EnvironmentJournal: Sendable {
    public struct Entry: Sendable, Equatable {
        public enum Kind: String, Sendable {
            case webhook, command, operation, status
        }

        public var time: Date
        public var kind: Kind
        /// One line, e.g. "pull_request synchronize (delivery 72d3…)", "apply started at 3f2a9c1",
        /// "prenv/webapp/pipeline/Build → failure: unit tests failed". Cut to `textLimit`; untrusted
        /// parts are kept as written (the reader escapes for where it shows them) but masked
        /// (`Redaction`) where AWS's text may name the account.
        public var text: String
        /// The webhook's `X-GitHub-Delivery`, so a delivery drained twice is journalled once.
        public var deliveryID: String?

        public init(time: Date, kind: Kind, text: String, deliveryID: String? = nil) {
            self.time = time
            self.kind = kind
            self.text = Self.bounded(text)
            self.deliveryID = deliveryID.map(Self.bounded)
        }

        /// Cut by Unicode scalars, not characters: one "character" can carry thousands of combining
        /// marks, and the bound is on memory. A text of at most `textLimit` bytes has at most as
        /// many scalars and is kept as it is (rebuilding every line was 1 % of intake under a burst).
        static func bounded(_ text: String) -> String {
            guard text.utf8.count > EnvironmentJournal.textLimit else { return text }
            return String(String.UnicodeScalarView(text.unicodeScalars.prefix(EnvironmentJournal.textLimit)))
        }
    }

    public static let capacity = 50
    public static let textLimit = 300
    /// Environments (and PRs) whose entries are kept; those with the oldest latest entry go first.
    static let keptEnvironments = 5_000

    struct State {
        var byPullRequest: [String: [Entry]] = [:]
        var byEnvironment: [EnvironmentKey: [Entry]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The entries of `key` and of its PR, oldest first, at most `capacity`.
    public func entries(for key: EnvironmentKey) -> [Entry] {
        state.withLock { state in
            Self.merged(state.byPullRequest[Self.pullRequestKey(key.repository, key.pr)] ?? [], state.byEnvironment[key] ?? [])
        }
    }

    /// Every environment's entries (merged with its PR's), for the dashboard's pages.
    public func all(for keys: [EnvironmentKey]) -> [EnvironmentKey: [Entry]] {
        state.withLock { state in
            Dictionary(keys.map { key in
                (key, Self.merged(state.byPullRequest[Self.pullRequestKey(key.repository, key.pr)] ?? [], state.byEnvironment[key] ?? []))
            }, uniquingKeysWith: { first, _ in first })
        }
    }

    // MARK: Recording

    /// A recorded `pull_request` delivery, as the worker reads it from the inbox (at most once per delivery).
    func received(_ delivery: InboxEvent, pullRequest event: PullRequestEvent) {
        let text = "\(delivery.event) \(event.action) (delivery \(delivery.deliveryID)), head \(event.pullRequest.head.sha.prefix(7))"
        append(pullRequest: Self.pullRequestKey(event.repository.fullName, event.number),
               Entry(time: delivery.receivedAt, kind: .webhook, text: text, deliveryID: delivery.deliveryID))
    }

    /// A recorded `/prenv` command (at most once per delivery).
    func received(_ delivery: InboxEvent, comment: IssueCommentEvent, command: PrenvCommand) {
        let text = "/prenv \(Self.word(command)) by @\(comment.comment.user.login) (delivery \(delivery.deliveryID))"
        append(pullRequest: Self.pullRequestKey(comment.repository.fullName, comment.issue.number),
               Entry(time: delivery.receivedAt, kind: .command, text: text, deliveryID: delivery.deliveryID))
    }

    func operationStarted(_ key: EnvironmentKey, destroying: Bool, sha: String, at time: Date) {
        append(key, Entry(time: time, kind: .operation, text: destroying ? "destroy started" : "apply started at \(sha.prefix(7))"))
    }

    func operationEnded(_ key: EnvironmentKey, state: EnvironmentActivity.State, summary: String, error: String?, at time: Date) {
        var text = "ended: \(state.rawValue), \(summary)"
        if let error { text += ": \(Redaction.masked(error))" }
        append(key, Entry(time: time, kind: .operation, text: text))
    }

    /// A commit status handed to the reporter (which sends it within GitHub's limits, or sheds it
    /// when a newer one supersedes it). `description` is already masked.
    func status(_ key: EnvironmentKey, context: String, state: String, description: String, at time: Date) {
        append(key, Entry(time: time, kind: .status, text: "\(context) → \(state): \(description)"))
    }

    // MARK: Bounds

    private func append(pullRequest: String, _ entry: Entry) {
        state.withLock { state in
            var entries = state.byPullRequest[pullRequest] ?? []
            if let id = entry.deliveryID, entries.contains(where: { $0.deliveryID == id }) { return }
            Self.insert(entry, into: &entries)
            state.byPullRequest[pullRequest] = entries
            if state.byPullRequest.count > Self.keptEnvironments { Self.evict(&state.byPullRequest) }
        }
    }

    private func append(_ key: EnvironmentKey, _ entry: Entry) {
        state.withLock { state in
            var entries = state.byEnvironment[key] ?? []
            Self.insert(entry, into: &entries)
            state.byEnvironment[key] = entries
            if state.byEnvironment.count > Self.keptEnvironments { Self.evict(&state.byEnvironment) }
        }
    }

    /// In time order (a delivery's receipt time can be earlier than what was journalled before it
    /// was drained), the oldest dropped beyond `capacity`.
    private static func insert(_ entry: Entry, into entries: inout [Entry]) {
        let index = entries.lastIndex(where: { $0.time <= entry.time }).map { $0 + 1 } ?? 0
        entries.insert(entry, at: index)
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    /// Drops the tenth of the journals least recently written to. Sorts (time, key) pairs, not the
    /// dictionary's (key, entries) elements, whose every comparison retained and released two arrays:
    /// with 15,000 PRs each delivering once, that sort was 2 % of `prenv serve`'s CPU (perf, intake-ratio).
    private static func evict<Key: Hashable>(_ entries: inout [Key: [Entry]]) {
        let oldest = entries.map { (time: $0.value.last?.time ?? .distantPast, key: $0.key) }.sorted { $0.time < $1.time }
        for (_, key) in oldest.prefix(keptEnvironments / 10) { entries[key] = nil }
    }

    private static func merged(_ pullRequest: [Entry], _ environment: [Entry]) -> [Entry] {
        Array((pullRequest + environment).enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            .map(\.element).suffix(capacity))
    }

    static func pullRequestKey(_ repository: String, _ pr: Int) -> String { "\(repository)#\(pr)" }

    static func word(_ command: PrenvCommand) -> String {
        switch command {
        case .redeploy: "redeploy"
        case .destroy: "destroy"
        case .keep: "keep"
        case .help: "help"
        case .unknown(let word): "\(String(String.UnicodeScalarView(word.unicodeScalars.prefix(40)))) (unknown)"
        }
    }
}

extension EnvironmentSupervisor {
    /// The recent events of `keys` (`EnvironmentJournal`), for the dashboard.
    public nonisolated func journal(for keys: [EnvironmentKey]) -> [EnvironmentKey: [EnvironmentJournal.Entry]] {
        presence.journal.all(for: keys)
    }

    /// Each loaded blueprint's edges (resource id → the ids it depends on), for drawing the graph of
    /// an environment whose resources are not recorded yet.
    public nonisolated var blueprintDependencies: [String: [String: Set<String>]] {
        blueprints.mapValues(\.dependencies)
    }

    /// prenv's AWS region (for console links), nil when unknown.
    public nonisolated var consoleRegion: String? { presence.region }
}
