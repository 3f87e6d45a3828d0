import ResourceGraph
import Testing

@Suite("Graphviz output")
struct DotTests {
    @Test func edgesRunFromDependencyToDependent() throws {
        let dot = try referenceBlueprintGraph().dot(labels: ["site": "site\naws/cloudformation-stack"])
        #expect(dot == """
            digraph resources {
              rankdir=LR;
              node [shape=box];
              "artifacts";
              "build";
              "pipeline";
              "site" [label="site\\naws/cloudformation-stack"];
              "artifacts" -> "build";
              "artifacts" -> "site";
              "build" -> "pipeline";
              "pipeline" -> "site";
            }

            """)
    }

    @Test func idsAreQuotedAndEscaped() throws {
        let g = try graph(["say \"hi\"": ["back\\slash"], "x -> y; evil": []])
        let dot = g.dot()
        #expect(dot.contains(#"  "say \"hi\"";"#))
        #expect(dot.contains(#"  "back\\slash" -> "say \"hi\"";"#))
        #expect(dot.contains(#"  "x -> y; evil";"#))
    }

    @Test func emptyGraph() {
        #expect(ResourceGraph.empty.dot() == "digraph resources {\n  rankdir=LR;\n  node [shape=box];\n}\n")
    }
}
