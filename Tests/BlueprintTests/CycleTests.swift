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

    /// Cycles start at the resource written first, not the alphabetically first, and are listed in file order.
    @Test func cyclesFollowFileOrderNotAlphabeticalOrder() {
        let yaml = """
            name: webapp
            on: { repositories: ["acme/*"] }
            resources:
              zeta: { type: aws/s3-prefix, depends_on: [alpha], properties: { bucket: acme-previews, prefix: z/ } }
              mid: { type: aws/s3-prefix, depends_on: [beta], properties: { bucket: acme-previews, prefix: m/ } }
              alpha: { type: aws/s3-prefix, depends_on: [zeta], properties: { bucket: acme-previews, prefix: a/ } }
              beta: { type: aws/s3-prefix, depends_on: [mid], properties: { bucket: acme-previews, prefix: b/ } }
            """
        #expect(Fixtures.diagnostics(yaml) == [
            "bp.yaml:4:3: error: dependency cycle: zeta → alpha → zeta",
            "bp.yaml:5:3: error: dependency cycle: mid → beta → mid",
        ])
    }

    /// Five resources that all depend on each other make 84 elementary cycles: twenty are named, then one
    /// line says the list was cut, at the resource where the first named cycle starts.
    @Test func manyCyclesAreCappedWithAClosingLine() {
        let names = ["e", "d", "c", "b", "a"]
        let lines = names.map { name in
            "  \(name): { type: aws/s3-prefix, depends_on: [\(names.filter { $0 != name }.joined(separator: ", "))], "
                + "properties: { bucket: acme-previews, prefix: \(name)/ } }"
        }
        let yaml = "name: webapp\non: { repositories: [\"acme/*\"] }\nresources:\n" + lines.joined(separator: "\n")
        let diagnostics = Fixtures.diagnostics(yaml)
        #expect(diagnostics.count == 21)
        #expect(diagnostics.dropLast().allSatisfy { $0.hasPrefix("bp.yaml:4:3: error: dependency cycle: e → ") })
        #expect(Set(diagnostics.dropLast()).count == 20)
        #expect(diagnostics.last == "bp.yaml:4:3: error: more dependency cycles not shown (the first 20 are listed)")
    }
}
