import Foundation
import Testing

@testable import Blueprint

/// Two blueprints that can select one PR must not spell one physical name (they would fight over
/// one AWS resource); found at load with both places named.
@Suite struct NameCollisionTests {
    static func blueprint(_ name: String, repositories: String, branches: String = "[main]", pipelineName: String) -> String {
        """
        name: \(name)
        on: { repositories: \(repositories), base_branches: \(branches) }
        resources:
          pipeline:
            type: aws/codepipeline
            properties:
              name: "\(pipelineName)"
              template: acme-main
        """
    }

    static func load(_ files: [String: String]) -> [String] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-collide-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for (file, text) in files { try text.write(to: directory.appendingPathComponent(file), atomically: true, encoding: .utf8) }
            _ = try BlueprintLoader.loadAll(directory: directory.path, kinds: Fixtures.kinds)
            return []
        } catch let error as BlueprintErrors {
            return error.diagnostics.map { "\(($0.file as NSString).lastPathComponent):\($0.line): \($0.message)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test func identicalNamesForOverlappingSelectionsAreReportedWithBothPlaces() {
        let found = Self.load([
            "a.yaml": Self.blueprint("alpha", repositories: "[\"acme/*\"]", pipelineName: "preview-${pr.number}"),
            "b.yaml": Self.blueprint("beta", repositories: "[acme/site]", pipelineName: "preview-${pr.number}"),
        ])
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("b.yaml:7: `name` of resource `pipeline` renders the same CodePipeline pipeline name (`name: preview-${pr.number}`)") == true, "\(found)")
        #expect(found.first?.contains("a.yaml:7 for pull requests both blueprints select; include ${env.name}") == true, "\(found)")
    }

    @Test func disjointSelectionsOrScopedNamesAreFine() {
        // Other repositories.
        #expect(Self.load([
            "a.yaml": Self.blueprint("alpha", repositories: "[\"acme/*\"]", pipelineName: "preview-${pr.number}"),
            "b.yaml": Self.blueprint("beta", repositories: "[\"other/*\"]", pipelineName: "preview-${pr.number}"),
        ]) == [])
        // Other base branches.
        #expect(Self.load([
            "a.yaml": Self.blueprint("alpha", repositories: "[\"acme/*\"]", pipelineName: "preview-${pr.number}"),
            "b.yaml": Self.blueprint("beta", repositories: "[\"acme/*\"]", branches: "[\"release/*\"]", pipelineName: "preview-${pr.number}"),
        ]) == [])
        // `${env.name}` is per blueprint.
        #expect(Self.load([
            "a.yaml": Self.blueprint("alpha", repositories: "[\"acme/*\"]", pipelineName: "${env.name}-${pr.head.ref}"),
            "b.yaml": Self.blueprint("beta", repositories: "[\"acme/*\"]", pipelineName: "${env.name}-${pr.head.ref}"),
        ]) == [])
    }

    @Test func shippedBlueprintsDoNotCollide() throws {
        _ = try BlueprintLoader.loadAll(directory: Fixtures.blueprintsDirectory, kinds: Fixtures.kinds)
    }

    /// A prefix is owned by its bucket and prefix together: a shared bucket is fine, a shared prefix is not.
    @Test func sharedPrefixesAreReportedSharedBucketsAreNot() {
        func prefixBlueprint(_ name: String, prefix: String) -> String {
            """
            name: \(name)
            on: { repositories: ["acme/*"] }
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: acme-previews, prefix: "\(prefix)" }
            """
        }
        #expect(Self.load(["a.yaml": prefixBlueprint("alpha", prefix: "${repo.name}/pr-${pr.number}/"),
                           "b.yaml": prefixBlueprint("beta", prefix: "${repo.name}/pr-${pr.number}/")]).count == 1)
        #expect(Self.load(["a.yaml": prefixBlueprint("alpha", prefix: "${repo.name}/pr-${pr.number}/"),
                           "b.yaml": prefixBlueprint("beta", prefix: "beta/${repo.name}/pr-${pr.number}/")]) == [])
    }
}
