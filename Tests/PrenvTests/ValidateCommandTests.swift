import Foundation
import Testing

/// `prenv validate` run as a process: exit codes and compiler-style diagnostics on standard error.
@Suite struct ValidateCommandTests {
    static let blueprints = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("blueprints")

    @Test func exampleBlueprintsAreValid() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.blueprints.path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { Self.blueprints.appendingPathComponent($0).path }
        #expect(files.count >= 2)
        let result = try await PrenvBinary.run(["validate"] + files, environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(result.status == 0, "\(result.output)")
        for file in files { #expect(result.output.contains("\(file): ok")) }
    }

    @Test func everyProblemIsReportedWithFileLineAndColumn() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-validate-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        name: broken
        on:
          repositories: ["acme/*"]
        resources:
          build:
            type: aws/codebuild-project
            depends_on: [pipeline]
            properties:
              name: "${env.name}-build"
              template: acme-build
          pipeline:
            type: aws/codepipeline
            properties:
              name: "${env.name}"
              template: acme-main
              replace_projects: { acme-build: "${build.outputs.nmae}" }
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await PrenvBinary.run(["validate", file.path], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(result.status == 1)
        #expect(result.output.contains("\(file.path):16:"), "\(result.output)")
        #expect(result.output.contains("unknown output `nmae`"), "\(result.output)")
        #expect(result.output.contains("dependency cycle: "), "\(result.output)")
        #expect(result.output.contains("1 of 1 blueprint file(s) invalid"))
    }
}
