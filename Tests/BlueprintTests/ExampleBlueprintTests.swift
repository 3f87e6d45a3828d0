import Foundation
import Testing
@testable import Blueprint

/// The blueprints shipped in `blueprints/` and the examples in its README stay valid and in step.
@Suite struct ExampleBlueprintTests {
    static var exampleFiles: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.blueprintsDirectory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }

    @Test func theFolderHoldsTheExpectedExamples() {
        // Also proves the folder was found; more examples may be added freely.
        #expect(Set(Self.exampleFiles).isSuperset(of: ["api-no-stack.yaml", "webapp.yaml"]))
    }

    @Test(arguments: exampleFiles)
    func everyExampleLoadsWithoutWarnings(file: String) throws {
        let blueprint = try BlueprintLoader.load(path: Fixtures.blueprintsDirectory + "/" + file, kinds: Fixtures.kinds)
        #expect(blueprint.warnings.isEmpty)
        #expect(!blueprint.resources.isEmpty)
    }

    @Test func loadAllReadsTheWholeFolder() throws {
        let blueprints = try BlueprintLoader.loadAll(directory: Fixtures.blueprintsDirectory, kinds: Fixtures.kinds)
        #expect(blueprints.count == Self.exampleFiles.count)
        #expect(Set(blueprints.map(\.name)).isSuperset(of: ["api", "webapp"]))
    }

    @Test func loadAllRejectsTwoBlueprintsWithOneName() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let yaml = """
            name: same
            on: { repositories: ["acme/*"] }
            resources:
              artifacts: { type: aws/s3-prefix, properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" } }
            """
        for file in ["a.yaml", "b.yml", "notes.txt"] {
            try yaml.write(toFile: directory + "/" + file, atomically: true, encoding: .utf8)
        }
        let errors = #expect(throws: BlueprintErrors.self) { try BlueprintLoader.loadAll(directory: directory, kinds: Fixtures.kinds) }
        #expect(errors?.diagnostics.map(\.description) == ["\(directory)/b.yml: error: blueprint name `same` is already used by \(directory)/a.yaml"])
    }

    @Test func webappShape() throws {
        let blueprint = try BlueprintLoader.load(path: Fixtures.blueprintsDirectory + "/webapp.yaml", kinds: Fixtures.kinds)
        #expect(blueprint.name == "webapp")
        #expect(blueprint.resources.map(\.id) == ["artifacts", "build", "pipeline", "site"])
        #expect(blueprint.resources.map(\.type) == [.s3Prefix, .codeBuildProject, .codePipeline, .cloudFormationStack])
        #expect(blueprint.dependencies == ["artifacts": [], "build": ["artifacts"], "pipeline": ["build"], "site": ["pipeline", "artifacts"]])
        #expect(blueprint.resource("site")?.dependsOn == ["pipeline"])
        #expect(blueprint.resource("site")?.references == [.context(.envName), .output(resource: "artifacts", key: "uri")])
        #expect(blueprint.resource("site")?.location == SourcePosition(line: 40, column: 3))
        #expect(blueprint.statusTargetURL?.references == [.output(resource: "site", key: "SiteURL")])
        #expect(blueprint.templateFiles["stacks/site.yaml"]?.contains("SiteURL") == true)
        #expect(blueprint.triggers == Triggers(repositories: [Glob("acme/*")], baseBranches: [Glob("main")], skipLabels: ["no-preview"], forks: .skip))
    }

    /// The README's reference example is `webapp.yaml`, verbatim.
    @Test func readmeQuotesTheReferenceExample() throws {
        let readme = try String(contentsOfFile: Fixtures.blueprintsDirectory + "/README.md", encoding: .utf8)
        let webapp = try String(contentsOfFile: Fixtures.blueprintsDirectory + "/webapp.yaml", encoding: .utf8)
        #expect(readme.contains("```yaml\n" + webapp + "```"))
        #expect(readme.contains(AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "webapp")))
    }

    /// The README's "what errors look like" block is exactly what prenv prints for its example.
    @Test func readmeErrorExampleIsExact() throws {
        let readme = try String(contentsOfFile: Fixtures.blueprintsDirectory + "/README.md", encoding: .utf8)
        let bad = try #require(Self.codeBlock(after: "<!-- example: bad -->", in: readme))
        let output = try #require(Self.codeBlock(after: "<!-- example: bad-output -->", in: readme))
        let diagnostics = Fixtures.diagnostics(bad, file: "blueprints/webapp.yaml", baseDirectory: "blueprints")
        #expect(diagnostics.joined(separator: "\n") + "\n" == output)
    }

    /// The body of the first fenced block after `marker`.
    static func codeBlock(after marker: String, in text: String) -> String? {
        guard let markerRange = text.range(of: marker),
              let open = text.range(of: "```", range: markerRange.upperBound..<text.endIndex),
              let lineEnd = text.range(of: "\n", range: open.upperBound..<text.endIndex),
              let close = text.range(of: "\n```", range: lineEnd.upperBound..<text.endIndex) else { return nil }
        return String(text[lineEnd.upperBound..<close.lowerBound]) + "\n"
    }
}
