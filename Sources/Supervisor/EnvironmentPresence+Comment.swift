import Foundation
import GitHub
import Orchestrator
import UntrustedText

/// The sticky comment: created the first time there is something final to say, then edited in
/// place. Its id is stored; when GitHub says it is gone (404 on edit) or the store lost it, it is
/// found again by its marker (`PRCommentMarker`) among the comments of prenv's known login, and
/// otherwise created: at most one creation per
/// write, so a user deleting it again and again gets one new comment per final state, never a loop.
extension EnvironmentPresence {
    /// Pages of 100 comments read when looking for the marker: a PR with more than 3,000 comments
    /// gets a new sticky comment rather than unbounded listing.
    static let markerSearchPages = 30

    /// Asks for a comment write for the environment's latest final state: at once if the last write
    /// is `commentInterval` ago, else when it will be. A write already on its way renders the latest
    /// state when it is sent, so nothing more is asked for (one edit however many finals came).
    func scheduleComment(_ key: EnvironmentKey, sha: String) {
        guard github != nil else { return }
        let time = now()
        let interval = commentInterval
        let due: Date? = state.withLock { state in
            if state.activities[key]?.state.isFinal == true { state.finals[key] = .current }
            // A write asked for long ago that never ran (dropped by the scheduler) does not block forever.
            if let pending = state.commentDue[key], time < pending.addingTimeInterval(interval + 60) { return nil }
            let due = max(time, (state.lastCommentWrite[key] ?? .distantPast).addingTimeInterval(interval))
            state.commentDue[key] = due
            return due
        }
        guard let due else { return }
        let delay = due.timeIntervalSince(time)
        guard delay > 0 else { return submitComment(key, sha: sha, notBefore: nil) }
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            self.submitComment(key, sha: sha, notBefore: due)
        }
    }

    /// The write carries no sha: it is about the PR, not a commit, and must not be dropped when the
    /// head moves (`GitHubWrite.sha`); its coalescing key is the environment's.
    private func submitComment(_ key: EnvironmentKey, sha: String, notBefore: Date?) {
        reporter.submit(GitHubWrite(
            kind: .comment, priority: .final, repository: key.repository, pullRequest: key.pr, sha: nil,
            coalescingKey: "comment \(key.repository)#\(key.pr)/\(key.blueprint)", cost: 2, notBefore: notBefore, createdAt: now()
        ) {
            try await self.writeComment(key)
        })
    }

    /// Renders the latest final state and writes it: edit the stored comment, else the one found
    /// by its marker, else create one. Returns the write requests made.
    func writeComment(_ key: EnvironmentKey) async throws -> Int {
        let time = now()
        let (activity, previous, known) = state.withLock { state in
            state.commentDue[key] = nil
            state.lastCommentWrite[key] = time
            return (state.finals[key]?.activity(in: state.activities, key), state.lastCommentBody[key], state.knownLogin)
        }
        guard let github, let activity, let (owner, repo) = Self.split(key.repository) else { return 0 }
        let body = PRCommentRenderer.render(activity, marker: marker.marker(for: key))
        var unstamped = activity
        unstamped.updatedAt = .distantPast
        let comparable = TextDigest(PRCommentRenderer.render(unstamped, marker: ""))
        guard comparable != previous else { return 0 }
        var writes = 0
        let stored = try await store.prComment(key)
        // prenv's login, from the comment it wrote (even if that one is gone now) or any other it wrote.
        let author = known ?? stored?.author
        if let current = stored {
            do {
                _ = try await github.updateComment(owner: owner, repo: repo, commentID: current.id, body: body)
                try await remember(key, comparable, activity, StoredComment(id: current.id, author: current.author), stored: current, learn: false)
                return 1
            } catch let error as GitHubError where error.status == 404 {
                writes += 1
                logger.notice("the PR comment is gone (deleted?); looking for it by its marker, else writing a new one",
                              metadata: ["environment": "\(key)", "comment": "\(current.id)"])
                try await store.savePRComment(key, nil)
            }
        }
        // Adopted only when prenv knows its own login and the comment is by it; the adopted
        // comment's author is never learned from (it is the known login by construction).
        if let author, let found = try await findComment(key, owner: owner, repo: repo, author: author, github: github) {
            do {
                _ = try await github.updateComment(owner: owner, repo: repo, commentID: found.id, body: body)
                try await remember(key, comparable, activity, StoredComment(id: found.id, author: author), stored: nil, learn: false)
                return writes + 1
            } catch let error as GitHubError where error.status == 404 {
                writes += 1  // deleted between the listing and the edit: create below
            }
        }
        let created = try await github.createComment(owner: owner, repo: repo, issue: key.pr, body: body)
        // The one place prenv learns its login: from a comment it has just created itself.
        try await remember(key, comparable, activity, StoredComment(id: created.id, author: created.user?.login), stored: nil, learn: true)
        logger.info("PR comment created", metadata: ["environment": "\(key)", "comment": "\(created.id)"])
        return writes + 1
    }

    private func remember(_ key: EnvironmentKey, _ body: TextDigest, _ written: EnvironmentActivity, _ comment: StoredComment, stored: StoredComment?,
                          learn: Bool) async throws {
        state.withLock { state in
            state.lastCommentBody[key] = body
            // A copy of a final the activity moved on from is written now: nothing else reads it.
            if case .snapshot(let final)? = state.finals[key], final == written {
                state.finals[key] = nil
            }
            if learn, let author = comment.author { state.knownLogin = author }
        }
        if comment != stored { try await store.savePRComment(key, comment) }
    }

    /// The oldest comment on the PR that starts with this environment's genuine marker and was
    /// written by prenv's own login; nil when there is none. Without a known login nothing is
    /// adopted (the caller creates a new comment): a marker copied into a stranger's comment must
    /// never make prenv edit it, nor teach prenv that the stranger is itself.
    func findComment(_ key: EnvironmentKey, owner: String, repo: String, author: String, github: GitHubClient) async throws
        -> GitHubClient.IssueComment?
    {
        for page in 1...Self.markerSearchPages {
            let comments = try await github.comments(owner: owner, repo: repo, issue: key.pr, page: page)
            for comment in comments where marker.isMarked(comment.body ?? "", for: key) {
                if comment.user?.login != author {
                    logger.warning("ignoring a comment that carries prenv's marker but was written by someone else", metadata: [
                        "environment": "\(key)", "comment": "\(comment.id)", "author": "\(UntrustedText.printable(comment.user?.login ?? "?", limit: 80))",
                    ])
                    continue
                }
                return comment
            }
            if comments.count < 100 { break }
        }
        return nil
    }
}
