import Foundation
import Orchestrator

/// One write to GitHub as prenv asks for it: a commit status, a deployment or its status, the PR
/// comment's creation or edit, a reaction or a reply to a command. Every write goes through one
/// `StatusReporter`, which decides when (and whether) it is sent: GitHub allows about 80
/// content-creating requests a minute and 500 an hour per token, and a write that is already
/// superseded when its turn comes is worth nothing.
public struct GitHubWrite: Sendable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case commitStatus = "commit_status"
        case deployment
        case deploymentStatus = "deployment_status"
        case comment
        case reaction
        case reply
    }

    /// Finals go out before intermediates: a final is what a PR's checks and buttons must end on
    /// (a summary's `success`, a deployment's `inactive`, the comment's last state); an
    /// intermediate (`pending`, a stage running) is worth sending only while it is news.
    public enum Priority: Int, Sendable, Hashable, Comparable {
        case final = 0
        case intermediate = 1

        public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var kind: Kind
    public var priority: Priority
    /// `owner/name`.
    public var repository: String
    /// The pull request the write is about; nil when none is known.
    public var pullRequest: Int?
    /// The commit the write reports on: dropped, not sent, once it is no longer the PR's head
    /// (`StatusReporter.headMoved`). Nil for writes about the PR rather than a commit (comment
    /// edits, replies).
    public var sha: String?
    /// A newer write with the same key replaces a queued older one; made from a text such as
    /// `status acme/web@abc/prenv/web/pipeline/Build` or `comment acme/web#5/web` (`coalescingKey`
    /// in `init`). Kept as a digest like the fingerprint: it is only ever compared, and the text
    /// (some 70 characters for a status) would be one more allocation in each queued write.
    let key: TextDigest
    /// What the write says (e.g. a status's state, description and link): a write whose key and
    /// fingerprint equal the last one sent is not sent again ("post only on change"). Nil: always sent.
    /// Kept as a digest: it is only ever compared, and the joined text (a status's state,
    /// description and link) was a copy beside the ones `perform` captures, held for as long as the
    /// write waits for GitHub's budget (hours when 1,000 PRs open at once).
    private(set) var fingerprint: TextDigest?
    /// How many write requests `perform` makes at most (a new deployment and its status are 2).
    public var cost: Int
    /// Not sent before this time (a debounced comment edit); nil: as soon as the budget allows.
    public var notBefore: Date?
    /// When what the write reports happened; how long it waited is measured from here.
    public var createdAt: Date
    /// Sends the write; returns how many write requests it made. Throws what the client threw
    /// (`GitHubError`, `CancellationError`).
    public var perform: @Sendable () async throws -> Int
    /// The PR's lease the write was asked for under (`WriteOwnership.current` when it was made): the
    /// sender drops it if this replica no longer holds that lease, and performs it under the lease's
    /// fence (a state write it makes, such as a comment id, is fenced too). Nil: always sent.
    public var ownership: WriteOwnership?
    /// What the write's lines in the log are about (`LogContext.current` when it was made): the
    /// sender runs on the reporter's own task, which inherits nothing from the submitter, so it sets
    /// this again around the send; the delivery that caused a status is named on its lines.
    public var logContext: LogContext?

    public init(
        kind: Kind, priority: Priority, repository: String, pullRequest: Int? = nil, sha: String? = nil,
        coalescingKey: String, fingerprint: String? = nil, cost: Int = 1, notBefore: Date? = nil, createdAt: Date = Date(),
        ownership: WriteOwnership? = WriteOwnership.current, logContext: LogContext? = LogContext.current,
        perform: @escaping @Sendable () async throws -> Int
    ) {
        self.ownership = ownership
        self.logContext = logContext
        self.kind = kind
        self.priority = priority
        self.repository = repository
        self.pullRequest = pullRequest
        self.sha = sha
        self.key = TextDigest(coalescingKey)
        self.fingerprint = fingerprint.map(TextDigest.init)
        self.cost = cost
        self.notBefore = notBefore
        self.createdAt = createdAt
        self.perform = perform
    }

    /// What the write is about, for the log: its kind, the PR and the commit.
    public var subject: String {
        "\(kind.rawValue) \(repository)#\(pullRequest.map(String.init) ?? "-")@\(sha.map { String($0.prefix(12)) } ?? "-")"
    }
}
