import Testing
@testable import Blueprint

/// `expire:` and `limits:`: good values decode into the blueprint; every bad one is a `file:line:col`
/// error naming the key and what it accepts, all reported at once.
@Suite struct LifetimeTests {
    static let head = """
        name: webapp
        on: { repositories: ["acme/*"] }
        resources:
          artifacts: { type: aws/s3-prefix, properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" } }

        """

    @Test func goodValuesDecode() throws {
        let blueprint = try #require(Fixtures.blueprint(Self.head + """
            expire:
              after: 72h
              keep_labels: [keep-preview, Pinned]
            limits:
              max_environments: 10
            """))
        let expiry = try #require(blueprint.expiry)
        #expect(expiry.after == 72 * 3600)
        #expect(expiry.written == "72h")
        #expect(expiry.keepLabels == ["keep-preview", "Pinned"])
        #expect(blueprint.limits.maxEnvironments == 10)
        #expect(expiry.reason == "Expired after 72h without a push; push or label keep-preview to bring it back")
        #expect(expiry.keeps(labels: ["bug", "pinned"]), "labels compare case-insensitively, as on GitHub")
        #expect(!expiry.keeps(labels: ["bug"]))
    }

    @Test(arguments: [("45s", 45.0), ("30m", 1800.0), ("2d", 172_800.0), ("1h", 3600.0)])
    func everyUnitDecodes(_ written: String, _ seconds: Double) throws {
        let blueprint = try #require(Fixtures.blueprint(Self.head + "expire: { after: \(written) }\n"))
        #expect(blueprint.expiry?.after == seconds)
        #expect(blueprint.expiry?.keepLabels == [])
        #expect(blueprint.expiry?.reason == "Expired after \(written) without a push")
    }

    @Test func absentMeansNeverAndNoCap() throws {
        let blueprint = try #require(Fixtures.blueprint(Self.head))
        #expect(blueprint.expiry == nil)
        #expect(blueprint.limits.maxEnvironments == nil)
        #expect(try #require(Fixtures.blueprint(Self.head + "limits: {}\n")).limits.maxEnvironments == nil)
    }

    static let badDurations: [(String, String)] = [
        ("0h", "bp.yaml:6:10: error: invalid duration `0h` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("soon", "bp.yaml:6:10: error: invalid duration `soon` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("-3h", "bp.yaml:6:10: error: invalid duration `-3h` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("72", "bp.yaml:6:10: error: invalid duration `72` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("1.5h", "bp.yaml:6:10: error: invalid duration `1.5h` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("3w", "bp.yaml:6:10: error: invalid duration `3w` for `expire.after`: write a positive whole number and a unit (s, m, h or d), e.g. `72h`"),
        ("[72h]", "bp.yaml:6:10: error: `expire.after` must be a duration such as `72h`, found a list"),
    ]

    @Test(arguments: badDurations)
    func badDurationsAreErrorsAtTheirPosition(_ written: String, _ expected: String) {
        #expect(Fixtures.diagnostics(Self.head + "expire:\n  after: \(written)\n") == [expected])
    }

    static let badCaps: [(String, String)] = [
        ("-1", "bp.yaml:6:21: error: `limits.max_environments` must be a whole number of at least 1, found `-1`; leave it out for no cap"),
        ("0", "bp.yaml:6:21: error: `limits.max_environments` must be a whole number of at least 1, found `0`; leave it out for no cap"),
        ("ten", "bp.yaml:6:21: error: `limits.max_environments` must be a whole number of at least 1, found `ten`; leave it out for no cap"),
        ("2.5", "bp.yaml:6:21: error: `limits.max_environments` must be a whole number of at least 1, found `2.5`; leave it out for no cap"),
        ("{ n: 3 }", "bp.yaml:6:21: error: `limits.max_environments` must be a whole number of at least 1, found a mapping; leave it out for no cap"),
    ]

    @Test(arguments: badCaps)
    func badCapsAreErrorsAtTheirPosition(_ written: String, _ expected: String) {
        #expect(Fixtures.diagnostics(Self.head + "limits:\n  max_environments: \(written)\n") == [expected])
    }

    @Test func shapesAndUnknownKeysAreReportedTogether() {
        let diagnostics = Fixtures.diagnostics(Self.head + """
            expire:
              afer: 72h
              keep_label: [keep]
              keep_labels: keep
            limits:
              max_environment: 3
            """)
        #expect(diagnostics == [
            "bp.yaml:5:1: error: missing required key `after` in `expire` (e.g. `after: 72h`); leave `expire` out for environments that never expire",
            "bp.yaml:6:3: error: unknown key `afer` in `expire`; did you mean `after`?",
            "bp.yaml:7:3: error: unknown key `keep_label` in `expire`; did you mean `keep_labels`?",
            "bp.yaml:8:16: error: `expire.keep_labels` must be a list of labels, found a string",
            "bp.yaml:10:3: error: unknown key `max_environment` in `limits`; did you mean `max_environments`?",
        ])
        #expect(Fixtures.diagnostics(Self.head + "expire: 72h\nlimits: [3]\n") == [
            "bp.yaml:5:9: error: `expire` must be a mapping with `after` and optionally `keep_labels`, found a string",
            "bp.yaml:6:9: error: `limits` must be a mapping with `max_environments`, found a list",
        ])
    }
}
