import Foundation
import Testing
@testable import Blueprint

/// Rendering for one PR: substitution, defaults, name sanitising and unknown values.
@Suite struct RenderTests {
    static let webapp: Blueprint? = try? BlueprintLoader.load(path: Fixtures.blueprintsDirectory + "/webapp.yaml", kinds: Fixtures.kinds)
    static let envName = AWSNames.envName(repository: "acme/site", pr: 5, blueprint: "webapp")

    @Test func beforeAnythingExistsOnlyContextIsKnown() throws {
        let rendered = try #require(Self.webapp).render(context: Fixtures.context)
        #expect(rendered.envName == Self.envName)
        #expect(rendered.resources.map(\.id) == ["artifacts", "build", "pipeline", "site"])

        let artifacts = try #require(rendered.resource("artifacts"))
        #expect(artifacts.properties == ["bucket": .string("acme-previews"), "prefix": .string("site/pr-5/"), "create_bucket": .bool(false)])
        #expect(artifacts.isResolved)

        let build = try #require(rendered.resource("build"))
        #expect(build.string("name") == Self.envName + "-build")
        #expect(build.string("template") == "acme-webapp-build")
        #expect(build.string("source_version") == Fixtures.context.headSHA)
        #expect(build.properties["environment_variables"] == .map(["ARTIFACT_URI": .unknown(source: "${artifacts.outputs.uri}")]))
        #expect(build.unresolved == [.output(resource: "artifacts", key: "uri")])
        #expect(build.dependencies == ["artifacts"])

        let pipeline = try #require(rendered.resource("pipeline"))
        #expect(pipeline.string("name") == Self.envName)
        #expect(pipeline.string("branch") == "feature/login")
        #expect(pipeline.string("source_revision") == Fixtures.context.headSHA, "default applied")
        #expect(pipeline.properties["replace_projects"]?.description == "{acme-webapp-build: (known after apply)}")

        let site = try #require(rendered.resource("site"))
        #expect(site.string("stack_name") == Self.envName + "-site")
        #expect(site.string("template_file") == "stacks/site.yaml")
        #expect(site.string("template_body")?.contains("SiteURL") == true)
        #expect(site.unresolved == [.output(resource: "artifacts", key: "uri")])
        #expect(rendered.statusTargetURL == .unknown(source: "${site.outputs.SiteURL}"))
        #expect(rendered.dependencies == Self.webapp?.dependencies)
    }

    @Test func outputsFillInTheRest() throws {
        let outputs = [
            "artifacts": ["uri": "s3://acme-previews/site/pr-5/"],
            "build": ["name": Self.envName + "-build"],
            "site": ["SiteURL": "http://example.test"],
        ]
        let rendered = try #require(Self.webapp).render(context: Fixtures.context, outputs: outputs)
        let allResolved = rendered.resources.allSatisfy { $0.isResolved }
        #expect(allResolved)
        #expect(rendered.resource("build")?.properties["environment_variables"] == .map(["ARTIFACT_URI": .string("s3://acme-previews/site/pr-5/")]))
        #expect(rendered.resource("pipeline")?.properties["replace_projects"] == .map(["acme-webapp-build": .string(Self.envName + "-build")]))
        #expect(rendered.statusTargetURL == .string("http://example.test"))
        #expect(try #require(Self.webapp).render(resource: "site", context: Fixtures.context, outputs: outputs)?.isResolved == true)
        #expect(try #require(Self.webapp).render(resource: "nope", context: Fixtures.context) == nil)
    }

    @Test func inlineCodeBuildGetsNestedDefaultsAndVerbatimBuildspec() throws {
        let api = try BlueprintLoader.load(path: Fixtures.blueprintsDirectory + "/api-no-stack.yaml", kinds: Fixtures.kinds)
        let tests = try #require(api.render(resource: "tests", context: Fixtures.context))
        guard case let .map(environment)? = tests.properties["environment"], case let .map(source)? = tests.properties["source"] else {
            Issue.record("expected mappings")
            return
        }
        #expect(environment == [
            "image": .string("aws/codebuild/standard:7.0"), "compute_type": .string("BUILD_GENERAL1_MEDIUM"),
            "type": .string("LINUX_CONTAINER"), "privileged_mode": .bool(false),
        ])
        #expect(source["type"] == .string("CODEPIPELINE"))
        #expect(source["buildspec"]?.stringValue?.contains("${CODEBUILD_RESOLVED_SOURCE_VERSION}") == true)
        #expect(api.render(resource: "pipeline", context: Fixtures.context)?.string("github_oauth_token_env") == "PRENV_GITHUB_OAUTH_TOKEN")
    }

    @Test func renderedValueDescriptions() {
        let value = RenderedValue.map(["b": .list([.string("x"), .bool(true)]), "a": .unknown(source: "${a.outputs.b}")])
        #expect(value.description == "{a: (known after apply), b: [x, true]}")
        #expect(!value.isKnown)
    }
}

/// Rendered resources round-trip through JSON, the form the state store records.
@Suite struct RenderedCodableTests {
    @Test func roundTripsThroughJSON() throws {
        let rendered = try #require(RenderTests.webapp).render(context: Fixtures.context)
        for resource in rendered.resources {
            let data = try JSONEncoder().encode(resource)
            #expect(try JSONDecoder().decode(RenderedResource.self, from: data) == resource)
        }
    }

    @Test func jsonShapeIsPlain() throws {
        let value = RenderedValue.map(["a": .list([.string("x"), .bool(true)]), "b": .unknown(source: "${b.outputs.c}")])
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(json == #"{"a":["x",true],"b":{"$unknown":"${b.outputs.c}"}}"#)
        #expect(try JSONDecoder().decode(RenderedValue.self, from: Data(json.utf8)) == value)
    }
}
