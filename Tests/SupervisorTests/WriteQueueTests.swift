import Foundation
@testable import Supervisor
import Testing

/// `WriteQueue`'s decisions as data: a sequence of steps, then what is sent in which order and what
/// was dropped for which reason.
@Suite struct WriteQueueTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    static let repo = "acme/web"

    /// One step: a write (its coalescing key; `label` names it in `sent`, the key by default; its
    /// fingerprint is `fingerprint`, else the label; `unfingerprinted` has none), a head move, or
    /// sending everything ready at `at` (recording what went, in order).
    enum Step: Sendable {
        case write(String, GitHubWrite.Priority, fingerprint: String? = nil, sha: String? = nil, notBefore: Double? = nil, label: String? = nil,
                   unfingerprinted: Bool = false)
        case head(String)
        case sendAll(at: Double)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var steps: [Step]
        /// Labels (default: key) in the order sent.
        var sent: [String]
        var dropped: [WriteQueue.DropReason: Int] = [:]
        var testDescription: String { name }
    }

    static func write(_ key: String, _ priority: GitHubWrite.Priority, fingerprint: String?, sha: String?, notBefore: Double?, label: String?)
        -> GitHubWrite
    {
        GitHubWrite(kind: .commitStatus, priority: priority, repository: repo, pullRequest: 5, sha: sha, coalescingKey: key,
                    fingerprint: fingerprint ?? label, notBefore: notBefore.map { t0.addingTimeInterval($0) }, createdAt: t0,
                    perform: { 1 })
    }

    static let cases: [Case] = [
        Case(name: "finals go before intermediates, oldest first within a priority",
             steps: [.write("a", .intermediate), .write("b", .final), .write("c", .intermediate), .write("d", .final), .sendAll(at: 0)],
             sent: ["b", "d", "a", "c"]),
        Case(name: "a newer write with the same key replaces the queued one and keeps its place",
             steps: [.write("a", .intermediate, label: "a1"), .write("b", .intermediate), .write("a", .intermediate, label: "a2"), .sendAll(at: 0)],
             sent: ["a2", "b"], dropped: [.supersededByKey: 1]),
        Case(name: "a stage's pending replaced by its success goes out as the final",
             steps: [.write("stage", .intermediate, label: "pending"), .write("x", .final), .write("stage", .final, label: "success"), .sendAll(at: 0)],
             sent: ["success", "x"], dropped: [.supersededByKey: 1]),
        Case(name: "writes about a commit that is no longer the head are dropped, queued or later",
             steps: [.write("old1", .final, sha: "s1"), .write("new", .final, sha: "s2"), .head("s2"), .write("old2", .intermediate, sha: "s1"),
                     .write("comment", .final), .sendAll(at: 0)],
             sent: ["new", "comment"], dropped: [.supersededHead: 2]),
        Case(name: "a final about an earlier commit submitted after the head moved still goes (its closing word)",
             steps: [.write("old", .intermediate, sha: "s1"), .head("s2"), .write("old", .final, sha: "s1", label: "superseded"), .sendAll(at: 0)],
             sent: ["superseded"], dropped: [.supersededHead: 1]),
        Case(name: "an intermediate does not replace a queued final: it is dropped",
             steps: [.write("ctx", .final, label: "failure"), .write("ctx", .intermediate, label: "retrying"), .sendAll(at: 0)],
             sent: ["failure"], dropped: [.supersededByKey: 1]),
        Case(name: "an intermediate equal to what was sent does not take a queued final with it",
             steps: [.write("ctx", .intermediate, label: "P"), .sendAll(at: 0), .write("ctx", .final, label: "F"),
                     .write("ctx", .intermediate, label: "P"), .sendAll(at: 1)],
             sent: ["P", "F"], dropped: [.supersededByKey: 1]),
        Case(name: "a write equal to the last one sent under its key is dropped",
             steps: [.write("a", .final, fingerprint: "F"), .sendAll(at: 0), .write("a", .final, fingerprint: "F"), .write("a2", .final),
                     .sendAll(at: 1)],
             sent: ["a", "a2"], dropped: [.unchangedFingerprint: 1]),
        Case(name: "a change back to what was sent drops the queued change and itself",
             steps: [.write("a", .final, fingerprint: "F"), .sendAll(at: 0), .write("a", .final, fingerprint: "G"),
                     .write("a", .final, fingerprint: "F"), .sendAll(at: 1)],
             sent: ["a"], dropped: [.supersededByKey: 1, .unchangedFingerprint: 1]),
        Case(name: "a write without a fingerprint is always sent",
             steps: [.write("r", .final, unfingerprinted: true), .sendAll(at: 0), .write("r", .final, unfingerprinted: true), .sendAll(at: 1)],
             sent: ["r", "r"]),
        Case(name: "notBefore holds a write back until its time, others pass it",
             steps: [.write("comment", .final, notBefore: 10), .write("b", .intermediate), .sendAll(at: 0), .sendAll(at: 10)],
             sent: ["b", "comment"]),
        Case(name: "writes without a sha or PR survive head moves",
             steps: [.write("c", .final, sha: nil), .head("s9"), .sendAll(at: 0)], sent: ["c"]),
    ]

    @Test(arguments: cases) func decisions(_ c: Case) {
        var queue = WriteQueue()
        var sent: [String] = []
        var labels: [String: String] = [:]  // "key|fingerprint" → label
        for step in c.steps {
            switch step {
            case .write(let key, let priority, let fingerprint, let sha, let notBefore, let label, let unfingerprinted):
                let print = unfingerprinted ? nil : fingerprint ?? label ?? key
                labels["\(TextDigest(key))|\(print.map { "\(TextDigest($0))" } ?? "-")"] = label ?? key
                queue.enqueue(GitHubWrite(kind: .commitStatus, priority: priority, repository: Self.repo, pullRequest: 5, sha: sha,
                                          coalescingKey: key, fingerprint: print, notBefore: notBefore.map { Self.t0.addingTimeInterval($0) },
                                          createdAt: Self.t0, perform: { 1 }), now: Self.t0)
            case .head(let sha):
                queue.headMoved(repository: Self.repo, pullRequest: 5, to: sha)
            case .sendAll(let at):
                let now = Self.t0.addingTimeInterval(at)
                while case .ready(let write) = queue.peek(now: now), let taken = queue.take(write) {
                    sent.append(labels["\(taken.key)|\(taken.fingerprint.map { "\($0)" } ?? "-")"] ?? "?")
                    queue.sent(taken)
                }
            }
        }
        #expect(sent == c.sent)
        #expect(queue.dropped == c.dropped)
    }

    @Test func peekSaysWhenADeferredWriteIsDue() {
        var queue = WriteQueue()
        queue.enqueue(Self.write("comment", .final, fingerprint: "x", sha: nil, notBefore: 10, label: nil), now: Self.t0)
        guard case .wait(let until) = queue.peek(now: Self.t0) else {
            Issue.record("expected a wait")
            return
        }
        #expect(until == Self.t0.addingTimeInterval(10))
    }

    @Test func aPutBackWriteYieldsToANewerOneWithItsKey() {
        var queue = WriteQueue()
        let old = Self.write("s", .final, fingerprint: "old", sha: nil, notBefore: nil, label: nil)
        queue.enqueue(old, now: Self.t0)
        guard case .ready(let first) = queue.peek(now: Self.t0), let taken = queue.take(first) else {
            Issue.record("expected the write to be ready")
            return
        }
        queue.enqueue(Self.write("s", .final, fingerprint: "new", sha: nil, notBefore: nil, label: nil), now: Self.t0)
        queue.putBack(taken, now: Self.t0)
        #expect(queue.queued.map(\.fingerprint) == [TextDigest("new")])
        #expect(queue.dropped == [.supersededByKey: 1])
    }

    @Test func aPutBackWriteGoesFirstAmongItsPriority() {
        var queue = WriteQueue()
        queue.enqueue(Self.write("a", .final, fingerprint: "a", sha: nil, notBefore: nil, label: nil), now: Self.t0)
        queue.enqueue(Self.write("b", .final, fingerprint: "b", sha: nil, notBefore: nil, label: nil), now: Self.t0)
        guard case .ready(let first) = queue.peek(now: Self.t0), let taken = queue.take(first) else {
            Issue.record("expected a ready write")
            return
        }
        queue.putBack(taken, now: Self.t0)
        #expect(queue.queued.map(\.key) == [TextDigest("a"), TextDigest("b")])
    }

    @Test func shutdownDropsIntermediatesOnly() {
        var queue = WriteQueue()
        queue.enqueue(Self.write("a", .intermediate, fingerprint: "a", sha: nil, notBefore: nil, label: nil), now: Self.t0)
        queue.enqueue(Self.write("b", .final, fingerprint: "b", sha: nil, notBefore: nil, label: nil), now: Self.t0)
        #expect(queue.dropIntermediates() == 1)
        #expect(queue.queued.map(\.key) == [TextDigest("b")])
        #expect(queue.dropped == [.shutdown: 1])
    }
}
