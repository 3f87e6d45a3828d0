import Foundation
import Orchestrator
import Testing

/// Whole-record behaviour: save, load, list, delete.
extension StateStoreContract {
    static func emptyStore(_ store: any StateStore) async throws {
        #expect(try await store.load(StateStoreFixtures.key()) == nil)
        #expect(try await store.list().isEmpty)
        try await store.delete(StateStoreFixtures.key())  // deleting nothing is not an error
    }

    /// The first proposal is kept; later ones (another process, a restart) get the same id back,
    /// even when proposed concurrently.
    static func instanceIDIsStoredOnce(_ store: any StateStore) async throws {
        let proposals = (0..<8).map { "prenv-proposal\($0)" }
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for proposal in proposals { group.addTask { try await store.instanceID(proposing: proposal) } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(answers).count == 1 && proposals.contains(answers[0]), "\(answers)")
        #expect(try await store.instanceID(proposing: "prenv-later") == answers[0])
    }

    /// One record per phase, each with a node per status and every kind of property value.
    static func roundTripsEveryField(_ store: any StateStore) async throws {
        let records = StateStoreFixtures.allPhases.enumerated().map { index, phase in
            StateStoreFixtures.record(StateStoreFixtures.key(pr: index + 1), state: phase, seconds: Double(index))
        }
        for record in records { try await store.save(record) }
        for record in records {
            #expect(try await store.load(record.key) == record)
        }
        #expect(try await store.list() == records)
    }

    /// `save` replaces nodes too: a node missing from the new record is gone.
    static func saveReplacesWholeRecord(_ store: any StateStore) async throws {
        let first = StateStoreFixtures.record()
        try await store.save(first)
        var second = first
        second.nodes = ["only": StateStoreFixtures.node("only", status: .updating, type: "aws/codepipeline")]
        second.state = .provisioning(sha: StateStoreFixtures.sha("b"))
        second.headSHA = StateStoreFixtures.sha("b")
        second.envName = "renamed"
        second.updatedAt = first.updatedAt.addingTimeInterval(30)
        try await store.save(second)
        #expect(try await store.load(first.key) == second)
        #expect(try await store.list() == [second])
    }

    /// Sorted by repository, then PR as a number (9 before 10), then blueprint.
    static func listIsSortedByKey(_ store: any StateStore) async throws {
        let keys = [
            StateStoreFixtures.key("acme/web", pr: 10), StateStoreFixtures.key("acme/web", pr: 9),
            StateStoreFixtures.key("zeta/app", pr: 1), StateStoreFixtures.key("acme/web", pr: 9, blueprint: "api"),
            StateStoreFixtures.key("Acme/web", pr: 2), StateStoreFixtures.key("acme/api", pr: 100),
        ]
        for key in keys { try await store.save(StateStoreFixtures.record(key, nodes: [:])) }
        #expect(try await store.list().map(\.key) == keys.sorted())
        #expect(keys.sorted().map(\.id) == [
            "Acme/web#2/webapp", "acme/api#100/webapp", "acme/web#9/api", "acme/web#9/webapp",
            "acme/web#10/webapp", "zeta/app#1/webapp",
        ])
    }

    static func deleteRemovesRecordAndNodes(_ store: any StateStore) async throws {
        let gone = StateStoreFixtures.record(StateStoreFixtures.key(pr: 1))
        let kept = StateStoreFixtures.record(StateStoreFixtures.key(pr: 2))
        try await store.save(gone)
        try await store.save(kept)
        try await store.delete(gone.key)
        #expect(try await store.load(gone.key) == nil)
        #expect(try await store.list() == [kept])
        await #expect(throws: StateStoreError.notFound(gone.key)) {
            try await store.saveNode(gone.key, StateStoreFixtures.node("late"))
        }
        try await store.delete(gone.key)  // twice is fine
        // Saved again without nodes, the record must not bring back the deleted ones.
        let reborn = StateStoreFixtures.record(gone.key, state: .idle, nodes: [:])
        try await store.save(reborn)
        #expect(try await store.load(gone.key) == reborn)
    }

    /// Names are scoped by repository: acme/web#5 and acme/api#5 are two environments.
    static func keysDoNotCollide(_ store: any StateStore) async throws {
        let web = StateStoreFixtures.record(StateStoreFixtures.key("acme/web", pr: 5))
        var api = StateStoreFixtures.record(StateStoreFixtures.key("acme/api", pr: 5), state: .idle)
        api.envName = "api-env"
        let otherBlueprint = StateStoreFixtures.record(StateStoreFixtures.key("acme/web", pr: 5, blueprint: "docs"))
        for record in [web, api, otherBlueprint] { try await store.save(record) }
        let sameID = StateStoreFixtures.node("created-node", status: .deleting, seconds: 500)
        try await store.saveNode(web.key, sameID)
        #expect(try await store.load(api.key) == api)
        #expect(try await store.load(otherBlueprint.key) == otherBlueprint)
        try await store.delete(web.key)
        #expect(try await store.load(api.key) == api)
        #expect(try await store.list() == [api, otherBlueprint])
    }

    /// `phaseNames()` (what the gauge counts, read without decoding records in a database store)
    /// names each record's phase as `EnvironmentPhase.name` does: every case, reasons and keys
    /// that look like JSON or SQL, a record re-saved in another phase, a deleted one gone.
    static func phaseNamesAreEachRecordsPhase(_ store: any StateStore) async throws {
        #expect(try await store.phaseNames().isEmpty)
        var expected: [EnvironmentKey: String] = [:]
        for (index, phase) in StateStoreFixtures.allPhases.enumerated() {
            let record = StateStoreFixtures.record(StateStoreFixtures.key(pr: index + 1), state: phase)
            try await store.save(record)
            expected[record.key] = phase.name
        }
        for (index, text) in StateStoreFixtures.hostileStrings.enumerated() {
            let key = StateStoreFixtures.key("acme/\(text)", pr: 100 + index, blueprint: text)
            // A NUL only in reasons: keys are columns, which PostgreSQL's text cannot hold one in.
            let phase: EnvironmentPhase = index.isMultiple(of: 2) ? .failed(sha: text, reason: "{\"ready\":{}} \(text) \u{0}")
                : .skipped(reason: text + "\u{0}")
            try await store.save(StateStoreFixtures.record(key, state: phase, nodes: [:]))
            expected[key] = phase.name
        }
        let moved = StateStoreFixtures.key(pr: 50), deleted = StateStoreFixtures.key(pr: 51)
        try await store.save(StateStoreFixtures.record(moved, state: .ready(sha: StateStoreFixtures.sha("b"))))
        try await store.save(StateStoreFixtures.record(deleted, state: .idle))
        try await store.save(StateStoreFixtures.record(moved, state: .destroying))
        try await store.delete(deleted)
        expected[moved] = "destroying"

        let names = try await store.phaseNames()
        #expect(names == expected)
        #expect(names == Dictionary(uniqueKeysWithValues: try await store.list().map { ($0.key, $0.state.name) }))
        #expect(Set(names.values) == Set(StateStoreFixtures.allPhases.map(\.name)), "every phase's name is read")
    }
}
