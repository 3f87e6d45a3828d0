import Testing
@testable import Blueprint

/// Every dependency cycle is named, in order, whatever mix of references and `depends_on` makes it.
@Suite struct CycleTests {
    @Test func twoSeparateCyclesAreBothReported() {
        let yaml = """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              build:
                type: aws/codebuild-project
                properties: { name: build-b, template: t1, source_version: "${pipeline.outputs.execution_id}" }
              pipeline:
                type: aws/codepipeline
                properties: { name: p, template: t2, replace_projects: { t1: "${build.outputs.name}" } }
              one:
                type: aws/s3-prefix
                depends_on: [three]
                properties: { bucket: acme-previews, prefix: a/ }
              two:
                type: aws/s3-prefix
                properties: { bucket: acme-previews, prefix: "${one.outputs.prefix}x/" }
              three:
                type: aws/s3-prefix
                depends_on: [two]
                properties: { bucket: acme-previews, prefix: c/ }
            """
        #expect(Fixtures.diagnostics(yaml) == [
            "bp.yaml:4:3: error: dependency cycle: build → pipeline → build",
            "bp.yaml:10:3: error: dependency cycle: one → three → two → one",
        ])
    }

    @Test func overlappingCyclesAreEachReported() {
        let yaml = """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              a: { type: aws/s3-prefix, depends_on: [b], properties: { bucket: acme-previews, prefix: a/ } }
              b: { type: aws/s3-prefix, depends_on: [a, c], properties: { bucket: acme-previews, prefix: b/ } }
              c: { type: aws/s3-prefix, depends_on: [a], properties: { bucket: acme-previews, prefix: c/ } }
            """
        #expect(Fixtures.diagnostics(yaml) == [
            "bp.yaml:4:3: error: dependency cycle: a → b → a",
            "bp.yaml:4:3: error: dependency cycle: a → b → c → a",
        ])
    }

    @Test func finderEnumeratesElementaryCyclesOnce() {
        // 0 → 1 → 2 → 0, 1 → 0, 3 → 3 is not counted (self-loops are reported separately), 4 alone.
        let result = CycleFinder.cycles(successors: [[1], [0, 2], [0], [3], []])
        #expect(result == CycleFinder.Result(cycles: [[0, 1], [0, 1, 2]], truncated: false))
    }

    @Test func finderStopsAtItsLimitOnDenseGraphs() {
        let complete = (0..<8).map { node in (0..<8).filter { $0 != node } }
        let result = CycleFinder.cycles(successors: complete, limit: 20)
        #expect(result.cycles.count == 20)
        #expect(result.truncated)
    }

    @Test func tarjanGroupsComponents() {
        let components = CycleFinder.stronglyConnectedComponents([[1], [2], [0], [4], []])
        #expect(components[0] == components[1] && components[1] == components[2])
        #expect(components[3] != components[4] && components[3] != components[0])
    }
}
