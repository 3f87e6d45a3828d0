import Foundation
import Orchestrator
import Supervisor
import Testing
import WebhookSupport

/// CloudFormation copies a stack's tags onto what the stack creates, so a project or nested stack
/// of a live environment carries `prenv:node` = the stack's node. The sweep must account for them
/// by that node, never call them orphans (the security review's H1: `gc --apply` deleted them).
@Suite struct StackMadeResourcesTests {
    typealias F = SweepFixtures

    /// What CloudFormation adds to each resource the stack `stack-7` creates.
    static func madeByStack(_ logicalID: String) -> [String: String] {
        ["aws:cloudformation:stack-name": "stack-7", "aws:cloudformation:stack-id": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack-7/1",
         "aws:cloudformation:logical-id": logicalID]
    }

    static let liveSite = F.record(7, nodes: [F.node("site", type: .cloudFormationStack, name: "stack-7")])

    /// The reviewer's reproduction: the live stack of PR 7, a CodeBuild project its template made and
    /// a nested stack, both with the stack's tags. The project is left without AWS's tags, so the
    /// classifier alone (a node of another type) must account for it.
    @Test func gcApplyDeletesNothingALiveStackMade() async throws {
        let cloud = SweepCloud()
        let stack = F.resource("stack-7", type: .cloudFormationStack, pr: 7, node: "site")
        let child = F.resource("stack-7-TestProject-ABC", type: .codeBuildProject, pr: 7, node: "site")
        let nested = F.resource("stack-7-Nested-XYZ", type: .cloudFormationStack, pr: 7, node: "site", extraTags: Self.madeByStack("Nested"))
        let discoveries = await F.discoveries([stack, child, nested], cloud: cloud)
        let store = InMemoryStateStore([Self.liveSite])
        let report = try await F.sweep(discoveries, store: store, cloud: cloud).run(olderThan: 3600, apply: true)
        #expect(report.findings.isEmpty, "findings: \(report.findings.map { "\($0.resource.identifier) \($0.reason)" })")
        #expect(report.scanned[.cloudFormationStack] == 2)
        #expect(report.scanned[.codeBuildProject] == 1)
        #expect(await cloud.deletions.isEmpty)
        for name in ["stack-7", "stack-7-TestProject-ABC", "stack-7-Nested-XYZ"] { #expect(await cloud.exists(name), "\(name) is gone") }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var resource: DiscoveredResource
        var record: EnvironmentRecord
        var expected: OrphanClassifier.Verdict
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a project the live stack made", resource: F.resource("stack-7-P", type: .codeBuildProject, pr: 7, node: "site"),
             record: liveSite, expected: .recorded(F.key(7), node: "site")),
        Case(name: "a nested stack with AWS's stack tags",
             resource: F.resource("stack-7-N", type: .cloudFormationStack, pr: 7, node: "site", extraTags: madeByStack("N")),
             record: liveSite, expected: .recorded(F.key(7), node: "site")),
        // prenv made it itself and the node now names another stack: the old one is left over.
        Case(name: "a replaced stack without stack tags", resource: F.resource("stack-7-old", type: .cloudFormationStack, pr: 7, node: "site"),
             record: liveSite, expected: .orphan(.environmentDestroyed)),
        Case(name: "a project of a deleted stack node", resource: F.resource("stack-7-P", type: .codeBuildProject, pr: 7, node: "site"),
             record: F.record(7, nodes: [F.node("site", type: .cloudFormationStack, name: "stack-7", status: .deleted)]),
             expected: .orphan(.environmentDestroyed)),
        Case(name: "a project naming no node of the record", resource: F.resource("stack-7-P", type: .codeBuildProject, pr: 7, node: "web"),
             record: liveSite, expected: .orphan(.environmentDestroyed)),
        Case(name: "a project of a destroyed environment", resource: F.resource("stack-7-P", type: .codeBuildProject, pr: 7, node: "site"),
             record: F.record(7, state: .destroyed, nodes: [F.node("site", type: .cloudFormationStack, name: "stack-7")]),
             expected: .orphan(.environmentDestroyed)),
    ]

    @Test(arguments: cases)
    func classifies(_ test: Case) {
        #expect(OrphanClassifier.classify(test.resource, records: [test.record.key: test.record]) == test.expected)
    }

    /// Once the PR is closed the environment is torn down from its record: the stack alone is
    /// deleted (its deletion takes what it made), never the project on its own tags.
    @Test func aClosedPullRequestsStackChildrenGoWithTheStack() async throws {
        let cloud = SweepCloud()
        let stack = F.resource("stack-7", type: .cloudFormationStack, pr: 7, node: "site")
        let child = F.resource("stack-7-TestProject-ABC", type: .codeBuildProject, pr: 7, node: "site")
        let discoveries = await F.discoveries([stack, child], cloud: cloud)
        let github = FakePullRequests()
        try await github.set(PullRequestPayload(action: "closed", number: 7))
        let store = InMemoryStateStore([Self.liveSite])
        let report = try await F.sweep(discoveries, store: store, cloud: cloud, pullRequests: github).run(olderThan: 3600, apply: true)
        #expect(report.findings.map(\.reason) == [.pullRequestClosed, .pullRequestClosed])
        #expect(report.findings.allSatisfy { $0.recordedNode == "site" && $0.outcome == .deleted })
        #expect(await cloud.deletions == ["stack-7"])
    }
}
