import Blueprint
import Foundation

/// What the state machine needs to know about a PR at one event; built from the webhook payload.
public struct PRSnapshot: Sendable, Hashable {
    /// `owner/name`.
    public var repository: String
    public var headSHA: String
    public var labels: [String]
    public var isFork: Bool
    public var baseBranch: String
    /// Orders events of one PR: strictly increasing in the order GitHub produced them.
    ///
    /// Git SHAs carry no order and webhooks can arrive out of order or be redelivered, so the caller
    /// supplies this: the server uses `pull_request.updated_at` (epoch milliseconds). An event whose
    /// sequence is *lower* than the last one accepted is stale and ignored; an equal sequence is
    /// accepted (two events in the same instant), with a repeated SHA ignored as a duplicate.
    public var sequence: Int
    /// When GitHub produced the event: for a head not seen before, when it was pushed (what
    /// `expire.after` counts from). Defaults to `sequence` read as epoch milliseconds, which is
    /// what the server passes (`pull_request.updated_at`).
    public var updatedAt: Date

    public init(repository: String, headSHA: String, labels: [String] = [], isFork: Bool = false,
                baseBranch: String = "main", sequence: Int, updatedAt: Date? = nil) {
        self.repository = repository
        self.headSHA = headSHA
        self.labels = labels
        self.isFork = isFork
        self.baseBranch = baseBranch
        self.sequence = sequence
        self.updatedAt = updatedAt ?? Date(timeIntervalSince1970: Double(sequence) / 1000)
    }
}
