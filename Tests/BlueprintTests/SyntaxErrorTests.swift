import Testing
@testable import Blueprint

/// YAML that does not parse, and duplicate keys, reported in the same compiler format.
@Suite struct SyntaxErrorTests {
    @Test func tabIndentationIsReportedWithItsPosition() {
        #expect(Fixtures.diagnostics("name: webapp\non:\n\trepositories: [a/b]\n") == [
            "bp.yaml:3:1: error: YAML syntax error: found character that cannot start any token (while scanning for the next token at 3:1)",
        ])
    }

    @Test func unclosedFlowSequence() {
        #expect(Fixtures.diagnostics("name: webapp\non: { repositories: [a/b }\nresources: {}\n") == [
            "bp.yaml:2:26: error: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at 2:21)",
        ])
    }

    @Test func badIndentation() {
        #expect(Fixtures.diagnostics("name: webapp\non:\n  repositories: [a/b]\n base_branches: [main]\n") == [
            "bp.yaml:4:2: error: YAML syntax error: did not find expected key (while parsing a block mapping at 1:1)",
        ])
    }

    @Test func duplicateKeysAreAllReportedAndCheckingContinues() {
        let yaml = """
            name: webapp
            on: { repositories: ["acme/*"], forks: skip, forks: allow }
            resources:
              artifacts:
                type: aws/s3-prefix
                properties: { bucket: acme-previews, prefix: "p/" }
              artifacts:
                type: aws/s3-prefix
                properties:
                  bucket: acme-previews
                  prefix: "q/"
                  prefix: "r/"
            name: other
            status: { target_url: "${artifacts.outputs.url}" }
            """
        #expect(Fixtures.diagnostics(yaml) == [
            "bp.yaml:2:46: error: duplicate key `forks` (first defined at 2:33)",
            "bp.yaml:7:3: error: duplicate key `artifacts` (first defined at 4:3)",
            "bp.yaml:12:7: error: duplicate key `prefix` (first defined at 11:7)",
            "bp.yaml:13:1: error: duplicate key `name` (first defined at 1:1)",
            "bp.yaml:14:24: error: unknown output `url` of resource `artifacts` (aws/s3-prefix); did you mean `uri`?",
        ])
    }

    @Test func quotedDuplicateKey() {
        #expect(Fixtures.diagnostics("\"name\": webapp\nname: again\non: { repositories: [a/b] }\nresources: {}\n") == [
            "bp.yaml:2:1: error: duplicate key `name` (first defined at 1:1)",
            "bp.yaml:4:1: error: `resources` must declare at least one resource",
        ])
    }

    @Test func locatorFindsKeysInsideSequenceItems() {
        let source = SourceText("- a: 1\n  b: 2\n  # comment\n\n  a: 3\n- a: 4\n")
        #expect(DuplicateKeyLocator.locate(key: "a", after: SourcePosition(line: 1, column: 3), in: source)
            == DuplicateKeyLocator.Match(location: SourcePosition(line: 5, column: 3), width: 1))
        #expect(DuplicateKeyLocator.locate(key: "b", after: SourcePosition(line: 2, column: 3), in: source) == nil)
    }
}
