import Blueprint
import Foundation
import Orchestrator
import Providers
@testable import Supervisor
import Testing

/// `status.detail` through the supervisor: what an apply posts at each level, and the activity it
/// leaves for `/api/environments` whatever the level.
@Suite struct StatusDetailSupervisorTests {
    typealias F = SupervisorFixtures

    static func blueprint(detail: String?) throws -> Blueprint {
        let yaml = F.blueprintYAML.replacingOccurrences(of: "status:\n  detail: all\n", with: "")
            .replacingOccurrences(of: "status:\n  detail: all", with: "") + (detail.map { "\nstatus:\n  detail: \($0)\n" } ?? "")
        return try BlueprintLoader.parse(yaml: yaml, file: "preview.yaml", kinds: ProviderKind.all.resourceKinds)
    }

    @Test(arguments: [(nil, false), ("stages", false), ("summary", false), ("all", true)] as [(String?, Bool)])
    func resourceStatusesOnlyAtAll(_ detail: String?, _ resourceStatuses: Bool) async throws {
        let blueprint = try Self.blueprint(detail: detail)
        #expect(blueprint.status.detail.rawValue == detail ?? "stages")
        let h = try SupervisorHarness(blueprints: [blueprint])
        try await h.openReady()
        let report = try await h.supervisor.report(records: [])
        let activity = try #require(report.environments.first?.activity)
        #expect(activity.state == .ready && activity.headSHA == F.shaA && activity.headRef == "feature/login")
        #expect(activity.resources.map(\.id) == ["artifacts", "build"])
        #expect(activity.resources.first?.state == "created", "\(activity.resources)")
        let statuses = await h.flushedStatuses()
        #expect(statuses.filter { $0.status.context == F.context }.map(\.status.state) == [.pending, .success], "\(statuses)")
        #expect(statuses.contains { $0.status.context == "\(F.context)/artifacts" } == resourceStatuses, "\(statuses)")
    }
}
