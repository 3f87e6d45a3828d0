import Foundation
import Testing

/// `prenv plan` run as a process: the JSON contract, the Graphviz rendering and hostile input.
@Suite struct PlanCommandTests {
    static let webapp = ValidateCommandTests.blueprints.appendingPathComponent("webapp.yaml").path

    func plan(_ extra: [String], headRef: String = "feature/login") async throws -> PrenvBinary.Result {
        try await PrenvBinary.run(
            ["plan", "--blueprint", Self.webapp, "--repo", "acme/webapp", "--pr", "5", "--sha", "0123abcd", "--head-ref", headRef] + extra,
            environment: PrenvBinary.isolatedEnvironment([:]))
    }

    @Test func jsonListsEveryNodeWithEveryEdgeAndResolvedProperties() async throws {
        let result = try await plan(["--format", "json"])
        #expect(result.status == 0, "\(result.output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let nodes = try #require(document["nodes"] as? [[String: Any]])
        let byID = Dictionary(uniqueKeysWithValues: nodes.compactMap { node in (node["id"] as? String).map { ($0, node) } })
        #expect(nodes.compactMap { $0["id"] as? String } == ["artifacts", "build", "pipeline", "site"])
        #expect(nodes.allSatisfy { $0["action"] as? String == "create" })
        #expect(byID["site"]?["depends_on"] as? [String] == ["artifacts", "pipeline"])
        #expect(byID["build"]?["type"] as? String == "aws/codebuild-project")
        let build = try #require(byID["build"]?["properties"] as? [String: Any])
        #expect(build["source_version"] as? String == "0123abcd")
        let variables = try #require(build["environment_variables"] as? [String: Any])
        #expect((variables["ARTIFACT_URI"] as? [String: String])?["$unknown"] == "${artifacts.outputs.uri}")
    }

    @Test func hostileBranchNamesStayDataAndNeverReachResourceNames() async throws {
        let hostile = "feature/../$(rm -rf ~);`id`|ü" + String(repeating: "x", count: 240)
        let result = try await plan(["--format", "json"], headRef: hostile)
        #expect(result.status == 0, "\(result.output)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let nodes = try #require(document["nodes"] as? [[String: Any]])
        let pipeline = try #require(nodes.first { $0["id"] as? String == "pipeline" }?["properties"] as? [String: Any])
        #expect(pipeline["branch"] as? String == hostile)
        let name = try #require(pipeline["name"] as? String)
        #expect(name.count <= 100 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.@".contains($0)) })
    }

    @Test func dotDrawsDependencyEdges() async throws {
        let result = try await plan(["--format", "dot"])
        #expect(result.status == 0)
        #expect(result.output.hasPrefix("digraph"))
        #expect(result.output.contains("\"artifacts\" -> \"site\""), "\(result.output)")
        #expect(result.output.contains("\"pipeline\" -> \"site\""))
    }

    @Test func textShowsActionsAndUnknownOutputs() async throws {
        let result = try await plan([])
        #expect(result.status == 0)
        #expect(result.output.contains("+ site"))
        #expect(result.output.contains("(known after apply)"))
        #expect(result.output.contains("4 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged"))
    }

    @Test func badArgumentsAndBadBlueprintsFailClearly() async throws {
        let badRepo = try await PrenvBinary.run(
            ["plan", "--blueprint", Self.webapp, "--repo", "webapp", "--pr", "5", "--sha", "abc", "--head-ref", "main"],
            environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(badRepo.status != 0)
        #expect(badRepo.output.contains("--repo must be OWNER/NAME"))
        let missing = try await PrenvBinary.run(
            ["plan", "--blueprint", "/nonexistent/blueprint.yaml", "--repo", "a/b", "--pr", "5", "--sha", "abc", "--head-ref", "main"],
            environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(missing.status == 1)
        #expect(missing.output.contains("/nonexistent/blueprint.yaml: error: cannot read the blueprint file"), "\(missing.output)")
    }
}
