import Foundation
import LocalAWSSupport
import Testing

/// `prenv plan --read-templates` shows, before anything is created, what the PR's clone of the
/// template pipeline keeps and drops, and the refusal an apply would hit.
@Suite struct PlanReadTemplatesTests {
    let templates = LocalTemplates("plan")
    let accessKey = LocalAWS.uniqueAccessKey()

    func prenv(_ arguments: [String]) async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(arguments, environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "plan-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
        ]))
    }

    @Test func thePlanShowsWhatTheCloneKeepsAndDrops() async throws {
        try await LocalAWS.requireRunning()
        try await templates.seed()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-plan-\(templates.suffix)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let blueprint = try templates.writeBlueprint(in: directory)
        let plan = ["plan", "--blueprint", blueprint.path, "--repo", "acme/webapp", "--pr", "7", "--sha", String(repeating: "a", count: 40), "--head-ref", "feature/login", "--read-templates"]

        let shown = try await prenv(plan)
        #expect(shown.status == 0, "\(shown.output)")
        #expect(shown.output.contains("pipeline:\n  keeps Source/Source (Source CodeStarSourceConnection): source, rewritten to the PR's branch"), "\(shown.output)")
        #expect(shown.output.contains("  keeps Build/Build (Build CodeBuild): CodeBuild, runs this environment's project"), "\(shown.output)")
        #expect(shown.output.contains("  drops Deploy/Deploy (Deploy S3): dropped with its stage (drop_stages)"), "\(shown.output)")

        // Without `drop_stages`, the plan already says what the apply would refuse.
        let text = try String(contentsOf: blueprint, encoding: .utf8)
        try text.replacingOccurrences(of: "      drop_stages: [Deploy]\n", with: "").write(to: blueprint, atomically: true, encoding: .utf8)
        let refused = try await prenv(plan)
        #expect(refused.status == 0, "\(refused.output)")
        #expect(refused.output.contains("refused: template pipeline \(templates.suffix)-main stage Deploy action Deploy (category Deploy, provider S3)"),
                "\(refused.output)")
        // And the plan alone, without the flag, makes no AWS call.
        let offline = try await PrenvBinary.run(Array(plan.dropLast()), environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": "plan-secret", "AWS_REGION": LocalAWS.region,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        ]))
        #expect(offline.status == 0 && !offline.output.contains("keeps"), "\(offline.output)")
    }
}
