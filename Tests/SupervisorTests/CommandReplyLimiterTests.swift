import Foundation
@testable import Supervisor
import Testing

/// Replies anyone can cause are limited per commenter and per repository, in bounded memory.
@Suite struct CommandReplyLimiterTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theFirstCommentIsRepliedToThenOnlyReactedToForTenMinutes() {
        var limiter = CommandReplyLimiter()
        #expect(limiter.answer(repository: "acme/webapp", user: "bob", now: Self.t0) == .replyAndReaction)
        #expect(limiter.answer(repository: "acme/webapp", user: "Bob", now: Self.t0.addingTimeInterval(599)) == .reactionOnly)
        #expect(limiter.answer(repository: "acme/other", user: "bob", now: Self.t0.addingTimeInterval(1)) == .replyAndReaction,
                "per repository and user")
        #expect(limiter.answer(repository: "acme/webapp", user: "bob", now: Self.t0.addingTimeInterval(600)) == .replyAndReaction)
    }

    @Test func aRepositoryGetsAtMostItsHourlyAnswersThenNothing() {
        var limiter = CommandReplyLimiter(perRepositoryPerHour: 20)
        let answers = (0..<25).map { limiter.answer(repository: "acme/webapp", user: "user\($0)", now: Self.t0.addingTimeInterval(Double($0))) }
        #expect(answers.prefix(20).allSatisfy { $0 == .replyAndReaction })
        #expect(answers.suffix(5).allSatisfy { $0 == .nothing })
        #expect(limiter.answer(repository: "acme/other", user: "user0", now: Self.t0.addingTimeInterval(30)) == .replyAndReaction)
        #expect(limiter.answer(repository: "acme/webapp", user: "late", now: Self.t0.addingTimeInterval(3_601)) == .replyAndReaction,
                "the hour slides")
    }

    @Test func memoryIsBounded() {
        var limiter = CommandReplyLimiter(capacity: 100)
        for index in 0..<5_000 {
            _ = limiter.answer(repository: "org/repo\(index % 700)", user: "user\(index)", now: Self.t0.addingTimeInterval(Double(index) * 0.01))
        }
        #expect(limiter.remembered.users <= 100 && limiter.remembered.repositories <= 100, "\(limiter.remembered)")
    }
}
