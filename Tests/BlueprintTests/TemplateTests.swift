import Testing
@testable import Blueprint

/// `${…}` parsing, `$${` escaping and substitution.
@Suite struct TemplateTests {
    @Test func splitsLiteralsAndReferences() {
        let (template, problems) = Template.parse("${repo.name}/pr-${pr.number}/${build.outputs.name}")
        #expect(problems.isEmpty)
        #expect(template.segments == [
            .reference(.context(.repoName)), .literal("/pr-"), .reference(.context(.prNumber)), .literal("/"),
            .reference(.output(resource: "build", key: "name")),
        ])
        #expect(template.references == [.context(.repoName), .context(.prNumber), .output(resource: "build", key: "name")])
        #expect(template.literalValue == nil)
    }

    @Test func escapesAndLoneDollars() {
        let (template, problems) = Template.parse("cost $5, $${pr.number} and $$ stay; a$b")
        #expect(problems.isEmpty)
        #expect(template.literalValue == "cost $5, ${pr.number} and $$ stay; a$b")
        #expect(template.references.isEmpty)
        #expect(template.source == "cost $5, $${pr.number} and $$ stay; a$b")
    }

    @Test func blanksInsideBracesAreAllowed() {
        #expect(Template.parse("${ pr.number }").template.references == [.context(.prNumber)])
    }

    @Test func outputKeysMayContainDots() {
        #expect(Template.parse("${pipeline.outputs.stage.Build}").template.references == [.output(resource: "pipeline", key: "stage.Build")])
    }

    @Test func repeatedReferencesAreListedOnce() {
        #expect(Template.parse("${pr.number}-${pr.number}").template.references == [.context(.prNumber)])
    }

    @Test(arguments: [
        ("x ${pr.number", 2, "unterminated `${`: add a closing `}`, or write `$${` for a literal `${`"),
        ("${}", 0, "empty interpolation `${}`"),
        ("a${ }", 1, "empty interpolation `${}`"),
        ("${build}", 0, "malformed reference `${build}`: expected `${<resource>.outputs.<key>}` or a context variable such as `${pr.number}`"),
        ("${a..b}", 0, "malformed reference `${a..b}`: expected `${<resource>.outputs.<key>}` or a context variable such as `${pr.number}`"),
        ("${a b.outputs.c}", 0, "malformed reference `${a b.outputs.c}`: expected `${<resource>.outputs.<key>}` or a context variable such as `${pr.number}`"),
        ("${env.nmae}", 0, "unknown context variable `env.nmae`; did you mean `env.name`?"),
    ])
    func reportsProblemsAtTheirOffset(text: String, offset: Int, message: String) {
        #expect(Template.parse(text).problems == [Template.Problem(offset: offset, message: message)])
    }

    @Test func reportsEveryProblemInOneString() {
        let problems = Template.parse("${} ${x} ${pr.head").problems
        #expect(problems.map(\.offset) == [0, 4, 9])
    }

    @Test func rendersContextAndKnownOutputs() {
        let template = Template.parse("${env.name}-${pr.head.ref}-${build.outputs.name}").template
        let rendered = template.render(context: Fixtures.context, blueprint: "webapp", outputs: ["build": ["name": "b1"]])
        let envName = AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "webapp")
        #expect(rendered.value == "\(envName)-feature/login-b1")
        #expect(rendered.unresolved.isEmpty)
    }

    @Test func reportsUnresolvedOutputsInsteadOfGuessing() {
        let template = Template.parse("${a.outputs.x}/${b.outputs.y}/${a.outputs.x}").template
        let rendered = template.render(context: Fixtures.context, blueprint: "webapp", outputs: ["b": ["y": "2"]])
        #expect(rendered.value == nil)
        #expect(rendered.unresolved == [.output(resource: "a", key: "x")])
    }

    @Test func contextValues() {
        let context = Fixtures.context
        #expect(ContextVariable.allCases.map { context.value(of: $0, blueprint: "webapp") } == [
            "5", "0123456789abcdef0123456789abcdef01234567", "feature/login", "main", "octocat", "acme", "site",
            AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "webapp"),
        ])
    }

    @Test func verbatimStringsAreNeverInterpolated() {
        let template = Template(verbatim: "!Sub ${AWS::Region}")
        #expect(template.literalValue == "!Sub ${AWS::Region}")
        #expect(template.references.isEmpty)
    }
}
