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

    /// With ten or more resources, position 9 is still written before position 10 (a cycle must not start
    /// at the later one because "10" sorts before "9" as text).
    @Test func fileOrderHoldsPastTenResources() {
        let lines = (0...10).map { index in
            let dependsOn = index == 9 ? "r10" : index == 10 ? "r9" : nil
            return "  r\(index): { type: aws/s3-prefix, " + (dependsOn.map { "depends_on: [\($0)], " } ?? "")
                + "properties: { bucket: acme-previews, prefix: p\(index)/ } }"
        }
        let yaml = "name: webapp\non: { repositories: [\"acme/*\"] }\nresources:\n" + lines.joined(separator: "\n")
        #expect(Fixtures.diagnostics(yaml) == ["bp.yaml:13:3: error: dependency cycle: r9 → r10 → r9"])
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
        // The twenty cycles through `e` (written first) in depth-first order: the same list as before
        // cycles were found by ResourceGraph.
        let cycles = [
            "e → d → e",
            "e → d → c → e",
            "e → d → c → b → e",
            "e → d → c → b → a → e",
            "e → d → c → a → e",
            "e → d → c → a → b → e",
            "e → d → b → e",
            "e → d → b → c → e",
            "e → d → b → c → a → e",
            "e → d → b → a → e",
            "e → d → b → a → c → e",
            "e → d → a → e",
            "e → d → a → c → e",
            "e → d → a → c → b → e",
            "e → d → a → b → e",
            "e → d → a → b → c → e",
            "e → c → e",
            "e → c → d → e",
            "e → c → d → b → e",
            "e → c → d → b → a → e",
        ]
        #expect(Fixtures.diagnostics(yaml) == cycles.map { "bp.yaml:4:3: error: dependency cycle: \($0)" }
            + ["bp.yaml:4:3: error: more dependency cycles not shown (the first 20 are listed)"])
    }
}
