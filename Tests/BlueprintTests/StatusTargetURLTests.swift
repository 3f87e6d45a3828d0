import Foundation
import Testing
@testable import Blueprint

/// `status.target_url` cannot be pointed elsewhere by a pull request: the blueprint fixes scheme and
/// host (checked at load), values are encoded for where they land, and a rendered URL whose host
/// differs from the fixed one is refused.
@Suite struct StatusTargetURLTests {
    static func yaml(_ targetURL: String) -> String {
        """
        name: site
        on: { repositories: ["acme/*"] }
        resources:
          site:
            type: aws/s3-prefix
            properties: { bucket: acme-previews, prefix: "pr-${pr.number}/" }
        status:
          target_url: "\(targetURL)"
        """
    }

    static func context(headRef: String) -> PRContext {
        PRContext(owner: "acme", repository: "site", number: 5, headSHA: Fixtures.context.headSHA, headRef: headRef, baseRef: "main", author: "octocat")
    }

    static func render(_ targetURL: String, headRef: String, outputs: [String: [String: String]] = [:]) throws -> StatusTargetURL.Rendered {
        let blueprint = try #require(Fixtures.blueprint(yaml(targetURL)))
        let template = try #require(blueprint.statusTargetURL)
        return StatusTargetURL.render(template, context: context(headRef: headRef), blueprint: blueprint.name, outputs: outputs)
    }

    // MARK: Load

    @Test(arguments: [
        "https://${pr.head.ref}.preview.example.com/",
        "https://preview.example.com${pr.head.ref}/",
        "https://preview.example.com:${pr.number}/",
        "${pr.head.ref}",
        "${pr.head.ref}/x",
        "//preview.example.com/${pr.head.ref}",
        "ftp://preview.example.com/${pr.head.ref}",
    ])
    func aHostOrSchemeAPullRequestCouldChooseFailsTheBlueprint(targetURL: String) {
        let diagnostics = Fixtures.diagnostics(Self.yaml(targetURL))
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.contains("`status.target_url` must start with") == true, "\(diagnostics)")
    }

    @Test(arguments: [
        "https://preview.example.com/${pr.head.ref}/",
        "https://preview.example.com?branch=${pr.head.ref}",
        "http://preview.example.com:8080#${pr.head.ref}",
        "https://preview.example.com",
        "${site.outputs.uri}/${pr.head.ref}",
    ])
    func aLiteralHostOrAnOutputLoads(targetURL: String) {
        #expect(Fixtures.diagnostics(Self.yaml(targetURL)) == [])
    }

    // MARK: Render, hostile branch names

    @Test(arguments: [
        ("evil.com/x", "https://preview.example.com/b/evil.com%2Fx/?ref=evil.com%2Fx#evil.com%2Fx"),
        ("x#@evil.com", "https://preview.example.com/b/x%23%40evil.com/?ref=x%23%40evil.com#x%23%40evil.com"),
        ("user@evil.com", "https://preview.example.com/b/user%40evil.com/?ref=user%40evil.com#user%40evil.com"),
        ("evil.com:443", "https://preview.example.com/b/evil.com%3A443/?ref=evil.com%3A443#evil.com%3A443"),
        ("..", "https://preview.example.com/b/%2E%2E/?ref=..#.."),
        ("../../evil.com", "https://preview.example.com/b/..%2F..%2Fevil.com/?ref=..%2F..%2Fevil.com#..%2F..%2Fevil.com"),
        ("a&admin=1 ?", "https://preview.example.com/b/a%26admin%3D1%20%3F/?ref=a%26admin%3D1%20%3F#a%26admin%3D1%20%3F"),
    ])
    func aHostileBranchNameIsEncodedAndTheHostStays(headRef: String, expected: String) throws {
        let rendered = try Self.render("https://preview.example.com/b/${pr.head.ref}/?ref=${pr.head.ref}#${pr.head.ref}", headRef: headRef)
        guard case let .url(url) = rendered else {
            Issue.record("expected a URL, got \(rendered)")
            return
        }
        #expect(url.absoluteString == expected)
        #expect(url.host == "preview.example.com")
        #expect(url.scheme == "https")
    }

    @Test func anOutputBaseKeepsItsHostAndLaterValuesAreEncoded() throws {
        let outputs = ["site": ["uri": "http://acme-previews.s3-website.us-east-1.amazonaws.com/pr-5"]]
        let rendered = try Self.render("${site.outputs.uri}/${pr.head.ref}", headRef: "a/../@evil.com", outputs: outputs)
        #expect(rendered == .url(try #require(URL(string: "http://acme-previews.s3-website.us-east-1.amazonaws.com/pr-5/a%2F..%2F%40evil.com"))))
    }

    @Test func aResultWhoseHostDiffersFromTheFixedOneIsRefused() throws {
        // The blueprint's own literal text after the output extends the host: the runtime check catches it.
        let outputs = ["site": ["uri": "https://acme.example.com"]]
        let rendered = try Self.render("${site.outputs.uri}.evil.com/${pr.head.ref}", headRef: "main", outputs: outputs)
        guard case let .refused(reason) = rendered else {
            Issue.record("expected a refusal, got \(rendered)")
            return
        }
        #expect(reason.contains("acme.example.com.evil.com") && reason.contains("instead of https://acme.example.com"))
    }

    @Test func anOutputThatIsNoURLIsRefused() throws {
        let rendered = try Self.render("${site.outputs.uri}/x", headRef: "main", outputs: ["site": ["uri": "acme-previews/pr-5"]])
        guard case .refused = rendered else {
            Issue.record("expected a refusal, got \(rendered)")
            return
        }
    }

    @Test func anUnknownOutputLeavesItUnresolved() throws {
        #expect(try Self.render("${site.outputs.uri}/x", headRef: "main") == .unresolved([.output(resource: "site", key: "uri")]))
    }

    @Test func theRenderedBlueprintShowsTheEncodedURL() throws {
        let blueprint = try #require(Fixtures.blueprint(Self.yaml("https://preview.example.com/${pr.head.ref}")))
        let rendered = blueprint.render(context: Self.context(headRef: "x/#@:.."))
        #expect(rendered.statusTargetURL == .string("https://preview.example.com/x%2F%23%40%3A.."))
    }
}
