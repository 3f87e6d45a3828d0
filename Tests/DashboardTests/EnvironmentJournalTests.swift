import Foundation
import GitHub
import Orchestrator
import Testing

@testable import Supervisor

/// The recent events the dashboard shows: bounded in count and length, a delivery journalled once
/// however often its PR is drained, a PR's webhooks shown with each of its environments.
@Suite struct EnvironmentJournalTests {
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 42, blueprint: "webapp")
    static let start = Date(timeIntervalSince1970: 1_796_000_000)

    /// GitHub's real `opened` payload (`../shared/fixtures`, or `PRENV_SHARED_DIR`).
    static func opened() throws -> PullRequestEvent {
        let shared = ProcessInfo.processInfo.environment["PRENV_SHARED_DIR"].map(URL.init(fileURLWithPath:))
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("shared")
        let file = shared.appendingPathComponent("fixtures/github-webhooks/pull_request/opened.payload.json")
        return try PullRequestEvent.decode(from: try Data(contentsOf: file))
    }

    @Test func keepsTheLatestFiftyEntriesEachCut() {
        let journal = EnvironmentJournal()
        for index in 0..<60 {
            journal.status(Self.key, context: "prenv/webapp", state: "pending", description: "step \(index) " + String(repeating: "z", count: 1_000),
                           at: Self.start.addingTimeInterval(Double(index)))
        }
        let entries = journal.entries(for: Self.key)
        #expect(entries.count == EnvironmentJournal.capacity)
        #expect(entries.first?.text.hasPrefix("prenv/webapp → pending: step 10 ") == true, "the ten oldest dropped")
        #expect(entries.last?.text.hasPrefix("prenv/webapp → pending: step 59 ") == true)
        #expect(entries.allSatisfy { $0.text.count == EnvironmentJournal.textLimit })
    }

    /// Kept as given up to the limit in scalars, whatever their bytes; cut beyond it, even inside
    /// one "character" of combining marks.
    @Test func textsAreBoundedInScalars() {
        let limit = EnvironmentJournal.textLimit
        for kept in [String(repeating: "a", count: limit), String(repeating: "é", count: limit), String(repeating: "🙂", count: limit - 1), ""] {
            #expect(EnvironmentJournal.Entry.bounded(kept) == kept)
        }
        for long in [String(repeating: "a", count: limit + 1), String(repeating: "é", count: limit + 1), "e" + String(repeating: "\u{301}", count: 5_000)] {
            let cut = EnvironmentJournal.Entry.bounded(long)
            #expect(cut.unicodeScalars.count == limit && long.unicodeScalars.starts(with: cut.unicodeScalars))
        }
    }

    @Test func aDeliveryDrainedTwiceIsJournalledOnceAndShownWithEveryBlueprintOfItsPR() throws {
        let event = try Self.opened()
        let journal = EnvironmentJournal()
        let delivery = InboxEvent(deliveryID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", contentKey: "k", event: "pull_request",
                                  key: "\(event.repository.fullName)#\(event.number)", payload: Data(), receivedAt: Self.start, sequence: 1)
        journal.received(delivery, pullRequest: event)
        journal.received(delivery, pullRequest: event)
        let webapp = EnvironmentKey(repository: event.repository.fullName, pr: event.number, blueprint: "webapp")
        let docs = EnvironmentKey(repository: event.repository.fullName, pr: event.number, blueprint: "docs")
        journal.operationStarted(webapp, destroying: false, sha: event.pullRequest.head.sha, at: Self.start.addingTimeInterval(1))
        let entries = journal.entries(for: webapp)
        #expect(entries.map(\.kind) == [.webhook, .operation])
        #expect(entries.first?.text == "pull_request opened (delivery 72d3162e-cc78-11e3-81ab-4c9367dc0958), head \(event.pullRequest.head.sha.prefix(7))")
        #expect(journal.entries(for: docs).map(\.kind) == [.webhook], "the other blueprint's environment sees the webhook, not webapp's operation")
        #expect(journal.all(for: [webapp, docs])[webapp] == entries)
    }

    /// Beyond `keptEnvironments` the journals written to least recently go, a tenth at a time,
    /// whatever order the environments first appeared in.
    @Test func theJournalsWrittenToLeastRecentlyGoFirstBeyondTheBound() {
        let journal = EnvironmentJournal()
        let count = EnvironmentJournal.keptEnvironments + 1
        func key(_ pr: Int) -> EnvironmentKey { EnvironmentKey(repository: "acme/webapp", pr: pr, blueprint: "webapp") }
        // #1 first appears first but is written to last of all: it stays; #2 is the oldest then.
        journal.operationStarted(key(1), destroying: false, sha: "abc", at: Self.start)
        for pr in 2..<count {
            journal.operationStarted(key(pr), destroying: false, sha: "abc", at: Self.start.addingTimeInterval(Double(pr)))
        }
        journal.operationStarted(key(1), destroying: false, sha: "def", at: Self.start.addingTimeInterval(Double(count)))
        journal.operationStarted(key(count), destroying: false, sha: "abc", at: Self.start.addingTimeInterval(Double(count + 1)))
        let kept = journal.all(for: (1...count).map(key)).filter { !$0.value.isEmpty }
        #expect(kept.count == count - EnvironmentJournal.keptEnvironments / 10)
        #expect(kept[key(1)] != nil && kept[key(count)] != nil)
        #expect(kept[key(2)] == nil && kept[key(EnvironmentJournal.keptEnvironments / 10 + 1)] == nil && kept[key(EnvironmentJournal.keptEnvironments / 10 + 2)] != nil)
    }

    @Test func entriesAreInTimeOrderWhateverOrderTheyArrive() {
        let journal = EnvironmentJournal()
        journal.operationEnded(Self.key, state: .failed, summary: "Provisioning failed", error: "arn:aws:iam::123456789012:role/x denied",
                               at: Self.start.addingTimeInterval(5))
        journal.operationStarted(Self.key, destroying: false, sha: String(repeating: "a", count: 40), at: Self.start)
        let entries = journal.entries(for: Self.key)
        #expect(entries.map(\.text) == ["apply started at aaaaaaa", "ended: failed, Provisioning failed: arn:aws:iam::<account>:role/x denied"])
    }
}
