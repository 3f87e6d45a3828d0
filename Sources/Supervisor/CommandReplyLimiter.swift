import Foundation

/// How often prenv answers `/prenv` comments that anyone can post: `help`, unknown commands, and
/// refusals of commenters who may not act (no write permission, no environment, GitHub could not
/// say). Without a limit, anyone able to comment could spend the token's write budget (500 an hour)
/// and starve the statuses and deployments. A commenter gets a reply at most once per
/// `perUserInterval` (the first refusal is always answered, as the issue promises) and only the
/// reaction in between; a repository gets at most `perRepositoryPerHour` answers an hour, and
/// nothing beyond. Owned by the supervisor actor; memory is bounded by `capacity` commenters.
struct CommandReplyLimiter {
    /// What to send for one comment.
    enum Answer: Equatable {
        case replyAndReaction
        case reactionOnly
        case nothing
    }

    var perUserInterval: TimeInterval = 600
    var perRepositoryPerHour = 20
    var capacity = 10_000
    /// Last reply per `repository␟user` (lowercased: GitHub logins and names are case-insensitive).
    private var lastReply: [String: Date] = [:]
    /// Answers in the last hour per repository (lowercased), oldest first; at most `perRepositoryPerHour` each.
    private var answered: [String: [Date]] = [:]

    init(perUserInterval: TimeInterval = 600, perRepositoryPerHour: Int = 20, capacity: Int = 10_000) {
        self.perUserInterval = perUserInterval
        self.perRepositoryPerHour = max(1, perRepositoryPerHour)
        self.capacity = max(1, capacity)
    }

    /// Decides and records the answer to `user`'s comment in `repository` at `now`.
    mutating func answer(repository: String, user: String, now: Date) -> Answer {
        forgetOld(now: now)
        let repositoryKey = repository.lowercased()
        var recent = (answered[repositoryKey] ?? []).filter { now.timeIntervalSince($0) < 3_600 }
        guard recent.count < perRepositoryPerHour else {
            answered[repositoryKey] = recent
            return .nothing
        }
        recent.append(now)
        answered[repositoryKey] = recent
        let userKey = "\(repositoryKey)\u{1F}\(user.lowercased())"
        if let last = lastReply[userKey], now.timeIntervalSince(last) < perUserInterval { return .reactionOnly }
        lastReply[userKey] = now
        return .replyAndReaction
    }

    /// Past `capacity`: entries whose interval has passed go first (they no longer limit anything),
    /// then the oldest; repositories without an answer this hour are dropped too.
    private mutating func forgetOld(now: Date) {
        guard lastReply.count >= capacity || answered.count >= capacity else { return }
        lastReply = lastReply.filter { now.timeIntervalSince($0.value) < perUserInterval }
        while lastReply.count >= capacity, let oldest = lastReply.min(by: { $0.value < $1.value }) { lastReply[oldest.key] = nil }
        answered = answered.filter { $0.value.contains { now.timeIntervalSince($0) < 3_600 } }
        while answered.count >= capacity, let oldest = answered.min(by: { ($0.value.last ?? .distantPast) < ($1.value.last ?? .distantPast) }) {
            answered[oldest.key] = nil
        }
    }

    /// Commenters and repositories remembered now (for the bounded-memory test).
    var remembered: (users: Int, repositories: Int) { (lastReply.count, answered.count) }
}
