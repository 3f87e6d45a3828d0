import Foundation
import Orchestrator
import Testing

/// GitHub object ids kept per environment: deployments per head commit, the latest one, the sticky
/// comment with its author. They outlive the environment's record and never mix between keys.
extension StateStoreContract {
    static func deploymentsArePerShaAndTheLatestIsTheLastSaved(_ store: any StateStore) async throws {
        let key = StateStoreFixtures.key()
        #expect(try await store.deployment(key, sha: StateStoreFixtures.sha("a")) == nil)
        #expect(try await store.latestDeployment(key) == nil)
        let first = StoredDeployment(sha: StateStoreFixtures.sha("a"), id: 101)
        let second = StoredDeployment(sha: StateStoreFixtures.sha("b"), id: 9_000_000_000_102)
        try await store.saveDeployment(key, first)
        try await store.saveDeployment(key, second)
        #expect(try await store.deployment(key, sha: first.sha) == first)
        #expect(try await store.deployment(key, sha: second.sha) == second)
        #expect(try await store.latestDeployment(key) == second)
        // Saving an earlier sha again (the PR was force-pushed back) makes it the latest, with its new id.
        let again = StoredDeployment(sha: first.sha, id: 103)
        try await store.saveDeployment(key, again)
        #expect(try await store.deployment(key, sha: first.sha) == again)
        #expect(try await store.latestDeployment(key) == again)
    }

    static func deploymentsAreBoundedPerEnvironment(_ store: any StateStore) async throws {
        let key = StateStoreFixtures.key()
        let kept = StoredDeployment.keptPerEnvironment
        let shas = (0..<(kept + 5)).map { String(format: "%040x", $0 + 1) }
        for (index, sha) in shas.enumerated() { try await store.saveDeployment(key, StoredDeployment(sha: sha, id: Int64(index + 1))) }
        #expect(try await store.deployment(key, sha: shas[0]) == nil, "the oldest are forgotten")
        #expect(try await store.deployment(key, sha: shas[4]) == nil)
        #expect(try await store.deployment(key, sha: shas[5]) == StoredDeployment(sha: shas[5], id: 6))
        #expect(try await store.latestDeployment(key) == StoredDeployment(sha: shas.last ?? "", id: Int64(kept + 5)))
    }

    static func commentIsStoredForgottenAndKeepsItsAuthor(_ store: any StateStore) async throws {
        let key = StateStoreFixtures.key()
        #expect(try await store.prComment(key) == nil)
        try await store.savePRComment(key, StoredComment(id: 7, author: "prenv[bot]"))
        #expect(try await store.prComment(key) == StoredComment(id: 7, author: "prenv[bot]"))
        try await store.savePRComment(key, StoredComment(id: 8, author: nil))
        #expect(try await store.prComment(key) == StoredComment(id: 8, author: nil))
        try await store.savePRComment(key, nil)
        #expect(try await store.prComment(key) == nil)
        try await store.savePRComment(key, nil)  // forgetting nothing is not an error
    }

    /// Keys differing in any one part keep their own ids; deleting the record keeps them.
    static func gitHubObjectsAreKeyedAndOutliveTheRecord(_ store: any StateStore) async throws {
        let keys = [StateStoreFixtures.key(), StateStoreFixtures.key("acme/Web"), StateStoreFixtures.key(pr: 6),
                    StateStoreFixtures.key(blueprint: "docs")]
        for (index, key) in keys.enumerated() {
            try await store.save(StateStoreFixtures.record(key))
            try await store.saveDeployment(key, StoredDeployment(sha: StateStoreFixtures.sha("a"), id: Int64(index + 1)))
            try await store.savePRComment(key, StoredComment(id: Int64(100 + index), author: "login-\(index) <'\";--"))
        }
        for key in keys { try await store.delete(key) }
        for (index, key) in keys.enumerated() {
            #expect(try await store.latestDeployment(key)?.id == Int64(index + 1), "\(key)")
            #expect(try await store.prComment(key) == StoredComment(id: Int64(100 + index), author: "login-\(index) <'\";--"), "\(key)")
        }
    }
}
