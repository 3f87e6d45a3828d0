import Blueprint
import Foundation
import Orchestrator
import PrenvApp
import Providers
import Supervisor
import Synchronization
import Testing

/// Resources in memory, by physical name, for `prenv gc`'s tests: discovered as listed, deleted by
/// one provider per type (failing for the names told to).
final class MemoryAccount: Sendable {
    private let state = Mutex<(existing: Set<String>, failing: [String: String], deleted: [String])>(([], [:], []))

    func add(_ names: [String]) { state.withLock { $0.existing.formUnion(names) } }
    func failDelete(of name: String, with message: String) { state.withLock { $0.failing[name] = message } }
    var deleted: [String] { state.withLock { $0.deleted } }
    func exists(_ name: String) -> Bool { state.withLock { $0.existing.contains(name) } }

    func delete(_ name: String) throws {
        try state.withLock { state in
            if let message = state.failing[name] { throw MemoryFault(description: message) }
            if state.existing.remove(name) != nil { state.deleted.append(name) }
        }
    }

    struct MemoryFault: Error, CustomStringConvertible { var description: String }

    struct Provider: ResourceProvider {
        let type: ResourceType
        let account: MemoryAccount
        func apply(_ request: ApplyRequest) async throws -> ApplyResult { throw MemoryFault(description: "not used") }
        func destroy(_ record: NodeRecord, context: ProvisionContext, progress: @escaping @Sendable (String) -> Void) async throws {
            try account.delete(record.physicalName ?? record.id)
        }
    }

    struct Discovery: ResourceDiscovery {
        let type: ResourceType
        let resources: [DiscoveredResource]
        let failure: String?
        let account: MemoryAccount
        var skipped: [SkippedEntry] = []
        func discover(_ query: DiscoveryQuery) async throws -> DiscoveryResult {
            if let failure { throw MemoryFault(description: failure) }
            return DiscoveryResult(resources: resources.filter { $0.type == type && account.exists($0.node.physicalName ?? "") }, skipped: skipped)
        }
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let types = Composition.dependencyOrder

    /// A sweep over `resources` (added to the account) with an empty state, as after a lost state file.
    func sweep(_ resources: [DiscoveredResource], failingDiscovery: ResourceType? = nil, skipping: (ResourceType, SkippedEntry)? = nil,
               store: any StateStore = InMemoryStateStore()) -> OrphanSweep {
        add(resources.compactMap(\.node.physicalName))
        return OrphanSweep(
            discoveries: Self.types.map { type in
                Discovery(type: type, resources: resources, failure: type == failingDiscovery ? "ThrottlingException: Rate exceeded" : nil,
                          account: self, skipped: skipping.map { $0.0 == type ? [$0.1] : [] } ?? [])
            },
            store: store, blueprints: [], instance: "ci", pullRequests: nil,
            providers: Self.types.map { Provider(type: $0, account: self) }, dependencyOrder: Self.types, now: { Self.now })
    }

    static func resource(_ name: String, type: ResourceType = .codePipeline, pr: Int = 7, env: String = "webapp-webapp-pr7",
                         node: String = "pipeline", age: TimeInterval = 7200) -> DiscoveredResource {
        DiscoveredResource(
            type: type, identifier: "arn:aws:codepipeline:us-east-1:123456789012:\(name)",
            tags: [PrenvTag.managedBy: "prenv", PrenvTag.instance: "ci", PrenvTag.repository: "acme/webapp", PrenvTag.pr: String(pr),
                   PrenvTag.blueprint: "webapp", PrenvTag.environment: env, PrenvTag.node: node],
            createdAt: now.addingTimeInterval(-age), node: NodeRecord(id: node, type: type, status: .created, physicalName: name, updatedAt: now))
    }
}

/// `prenv gc` from sweep to exit status: the table, the JSON, and 0/3/1.
@Suite struct OrphanCollectionTests {
    typealias M = MemoryAccount

    @Test func nothingOrphanedExitsZero() async throws {
        let outcome = try await OrphanCollection.run(MemoryAccount().sweep([]), olderThan: 3600, apply: false, format: .table)
        #expect(outcome.status == 0)
        #expect(outcome.output == "no orphaned resources (0 resource(s) tagged for this instance, all accounted for)")
        #expect(outcome.problems.isEmpty)
    }

    @Test func onlyTooYoungOrphansExitZero() async throws {
        let account = MemoryAccount()
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7", age: 60)]), olderThan: 3600, apply: true, format: .table)
        #expect(outcome.status == 0)
        #expect(outcome.report.findings.map(\.outcome) == [.spared(.tooYoung)])
        #expect(account.exists("pipe-7"))
    }

    @Test func aDryRunWithOrphansExitsThreeAndDeletesNothing() async throws {
        let account = MemoryAccount()
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7"), M.resource("pipe-8", pr: 8, env: "webapp-webapp-pr8")]),
                                                     olderThan: 3600, apply: false, format: .table)
        #expect(outcome.status == 3)
        #expect(account.deleted.isEmpty)
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["RESOURCE", "TYPE", "ENVIRONMENT", "AGE", "REASON"])
        #expect(lines[1].contains("arn:aws:codepipeline:us-east-1:123456789012:pipe-7"))
        #expect(lines[1].contains("acme/webapp#7/webapp webapp-webapp-pr7"))
        #expect(lines[1].contains("2h"))
        #expect(lines[1].hasSuffix("no environment recorded"))
        #expect(lines.last == "2 orphaned resource(s) of 2 scanned; run `prenv gc --apply` to delete them")
    }

    @Test func applyDeletingEverythingExitsZero() async throws {
        let account = MemoryAccount()
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7")]), olderThan: 3600, apply: true, format: .table)
        #expect(outcome.status == 0)
        #expect(account.deleted == ["pipe-7"])
        let lines = outcome.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true).last == "OUTCOME")
        #expect(lines[1].hasSuffix("deleted"))
        #expect(lines.last == "1 deleted, 0 failed, 0 spared of 1 orphaned resource(s)")
    }

    @Test func applyWithAFailedDeleteExitsOne() async throws {
        let account = MemoryAccount()
        account.failDelete(of: "pipe-8", with: "AccessDeniedException: not authorized")
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7"), M.resource("pipe-8", pr: 8, env: "webapp-webapp-pr8")]),
                                                     olderThan: 3600, apply: true, format: .table)
        #expect(outcome.status == 1)
        #expect(account.deleted == ["pipe-7"])
        #expect(outcome.output.contains("failed: AccessDeniedException: not authorized"))
    }

    @Test func aFailedDiscoveryExitsOneAndSaysWhichType() async throws {
        let account = MemoryAccount()
        let outcome = try await OrphanCollection.run(account.sweep([], failingDiscovery: .s3Prefix), olderThan: 3600, apply: false, format: .table)
        #expect(outcome.status == 1)
        #expect(outcome.problems == ["error: discovery of aws/s3-prefix failed: ThrottlingException: Rate exceeded; its resources are neither reported nor taken as gone"])
    }

    /// A skipped entry: the orphans found are deleted, but the account was not fully read, so the
    /// run cannot say all is clean: 1, as for a failed discovery. The entry's key came from a
    /// build: escaped on standard error and in the JSON.
    @Test func aSkippedEntryDeletesWhatWasFoundAndStillExitsOne() async throws {
        let account = MemoryAccount()
        let entry = SkippedEntry(identifier: "s3://bucket/envs/pr-9\n[fake] ok/.prenv-environment.json",
                                 reason: "S3 GET failed: AccessDenied (KMS key not usable)")
        let sweep = account.sweep([M.resource("pipe-7")], skipping: (.s3Prefix, entry))
        let applied = try await OrphanCollection.run(sweep, olderThan: 3600, apply: true, format: .json)
        #expect(applied.status == 1)
        #expect(account.deleted == ["pipe-7"])  // nothing a prefix may depend on: deleted
        let escaped = #"s3://bucket/envs/pr-9\u{a}[fake] ok/.prenv-environment.json"#
        #expect(applied.problems == ["error: discovery of aws/s3-prefix at \(escaped) could not be read: S3 GET failed: AccessDenied (KMS key not usable); "
            + "the rest of its type is reported, but what it may depend on is spared"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(applied.output.utf8)) as? [String: Any])
        #expect(object["errors"] as? [[String: String]] == [["source": "discovery of aws/s3-prefix at \(escaped)",
                                                            "message": "S3 GET failed: AccessDenied (KMS key not usable)"]])
        // Nothing left to delete, still incomplete: 1, not 0.
        let again = try await OrphanCollection.run(MemoryAccount().sweep([], skipping: (.s3Prefix, entry)), olderThan: 3600, apply: false, format: .table)
        #expect(again.status == 1)
        #expect(try await OrphanCollection.run(MemoryAccount().sweep([]), olderThan: 3600, apply: false, format: .table).status == 0)
    }

    @Test func jsonShape() async throws {
        let account = MemoryAccount()
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7"), M.resource("young", pr: 9, age: 10)], failingDiscovery: .s3Prefix),
                                                     olderThan: 3600, apply: false, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(outcome.output.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["swept_at", "older_than_seconds", "applied", "scanned", "findings", "errors"])
        #expect(object["swept_at"] as? String == "2027-01-15T08:00:00Z")
        #expect(object["older_than_seconds"] as? Int == 3600)
        #expect(object["applied"] as? Bool == false)
        #expect(object["scanned"] as? [String: Int] == ["aws/codepipeline": 2, "aws/codebuild-project": 0, "aws/cloudformation-stack": 0])
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.count == 2)
        let first = try #require(findings.first)
        #expect(Set(first.keys) == ["resource", "type", "reason", "environment", "age_seconds", "outcome", "detail"])
        #expect(first["resource"] as? String == "arn:aws:codepipeline:us-east-1:123456789012:pipe-7")  // the operator's own account: not masked
        #expect(first["type"] as? String == "aws/codepipeline")
        #expect(first["reason"] as? String == "no-environment")
        #expect(first["age_seconds"] as? Int == 7200)
        #expect(first["outcome"] as? String == "found")
        #expect(first["detail"] is NSNull)
        let expectedEnvironment = ["repository": "acme/webapp", "pr": "7", "blueprint": "webapp", "env": "webapp-webapp-pr7", "node": "pipeline"]
        #expect(first["environment"] as? [String: String] == expectedEnvironment)
        let last = try #require(findings.last)
        #expect(last["outcome"] as? String == "spared")
        #expect(last["detail"] as? String == "too young")
        let errors = try #require(object["errors"] as? [[String: String]])
        #expect(errors == [["source": "discovery of aws/s3-prefix", "message": "ThrottlingException: Rate exceeded"]])
        #expect(outcome.status == 1)
    }

    @Test func hostileTagValuesAreEscapedInTheTable() async throws {
        let account = MemoryAccount()
        let hostileEnv = "webapp-\u{1B}]0;owned\u{07}\nerror: forged" + String(repeating: "x", count: 300)
        let outcome = try await OrphanCollection.run(account.sweep([M.resource("pipe-7", env: hostileEnv, node: "pipe\rline")]),
                                                     olderThan: 3600, apply: false, format: .table)
        #expect(outcome.status == 3)
        #expect(!outcome.output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        #expect(outcome.output.split(separator: "\n").count == 3)  // header, one row, summary: no forged line
        #expect(outcome.output.contains(#"webapp-\u{1b}]0;owned\u{7}\u{a}error: forged"#))
        #expect(outcome.output.contains("…"))  // capped
        #expect(!outcome.output.contains(String(repeating: "x", count: 300)))
    }

    @Test(arguments: [("1h", 3600.0), ("90m", 5400), ("45s", 45), ("2d", 172_800), ("0s", 0)])
    func olderThanAcceptsUnits(_ text: String, _ seconds: Double) throws {
        #expect(try OrphanAge.parse(text) == seconds)
    }

    @Test(arguments: ["soon", "1", "h", "-1h", "1.5h", "1w", "", " 1h", "1h\u{1B}[2J", "99999999999999d"])
    func olderThanRejectsWithAClearError(_ text: String) {
        #expect(throws: OrphanAge.Invalid.self) { try OrphanAge.parse(text) }
        let message = OrphanAge.Invalid(text: text).description
        #expect(message.hasPrefix("--older-than must be a whole number followed by s, m, h or d (e.g. 30m, 1h, 2d), got \""))
        #expect(!message.unicodeScalars.contains { $0.value < 0x20 })
    }

    @Test func ageIsShownCoarsely() {
        #expect(OrphanAge.describe(nil) == "?")
        #expect(OrphanAge.describe(59) == "59s")
        #expect(OrphanAge.describe(3599) == "59m")
        #expect(OrphanAge.describe(3600 + 5 * 60) == "1h5m")
        #expect(OrphanAge.describe(2 * 86400 + 4 * 3600) == "2d4h")
    }
}
