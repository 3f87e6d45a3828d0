import Blueprint

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

    public init(repository: String, headSHA: String, labels: [String] = [], isFork: Bool = false,
                baseBranch: String = "main", sequence: Int) {
        self.repository = repository
        self.headSHA = headSHA
        self.labels = labels
        self.isFork = isFork
        self.baseBranch = baseBranch
        self.sequence = sequence
    }
}

extension EnvironmentStateMachine {
    /// A webhook event (with the blueprint's `Decision` for the PR as it is now, so the machine needs no
    /// blueprint) or the end of an operation the machine asked for.
    public enum Event: Sendable, Hashable {
        case opened(PRSnapshot, Decision)
        case reopened(PRSnapshot, Decision)
        /// A new head commit was pushed.
        case synchronize(PRSnapshot, Decision)
        case labeled(PRSnapshot, Decision)
        case unlabeled(PRSnapshot, Decision)
        case closed(sequence: Int)
        /// `reason` describes a failure (or "cancelled"); ignored on success.
        case applyFinished(sha: String, success: Bool, reason: String)
        case destroyFinished(success: Bool, reason: String)
    }

    /// What the caller must do; the machine itself does no I/O.
    public enum Action: Sendable, Hashable {
        /// Plan and apply the blueprint at `sha`.
        case apply(sha: String)
        /// Cancel the running apply's task; its `applyFinished` then starts what is queued.
        case cancelApply
        /// Destroy the environment from its record.
        case destroy
        /// The event changed nothing; `reason` is for the log.
        case ignore(reason: String)
    }

    /// What the environment should look like once the running operation (if any) is done.
    public enum Desired: Sendable, Hashable, Codable {
        case present(sha: String)
        case absent(reason: String)
    }

    /// The operation the caller is running on the machine's behalf.
    public enum Running: Sendable, Hashable, Codable {
        case apply(sha: String)
        case destroy
    }
}
