import Blueprint
import Foundation
import Orchestrator
@testable import Supervisor
import Testing

/// The sticky comment's text, the detail filter and the comment marker: pure, no services.
@Suite struct PresenceRenderingTests {
    static let key = EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "webapp")
    static let marker = PRCommentMarker(secret: "webhook-secret")

    static func activity(headRef: String = "feature/x", physicalName: String = "pr-7-build", error: String? = nil,
                         state: EnvironmentActivity.State = .ready) -> EnvironmentActivity {
        EnvironmentActivity(
            repository: "acme/webapp", pr: 7, blueprint: "webapp", headSHA: String(repeating: "a", count: 40), headRef: headRef,
            operation: "apply", state: state, summary: "Environment ready: 2 resources",
            resources: [
                .init(id: "build", type: "aws/codebuild-project", physicalName: physicalName, state: "created",
                      consoleURL: AWSConsoleLink.url(type: "aws/codebuild-project", physicalName: physicalName, region: "eu-west-1")),
                .init(id: "site", type: "aws/cloudformation-stack", physicalName: "pr-7-site", state: "created", consoleURL: nil),
            ],
            stages: [.init(node: "pipeline", name: "Build", state: "Succeeded", startedAt: nil, duration: 75)],
            previewURL: URL(string: "http://preview.example/pr-7/"), expiresAt: Date(timeIntervalSince1970: 1_800_000_000),
            lastError: error, updatedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func theCommentSaysWhatExistsAndHowToActOnIt() {
        let body = PRCommentRenderer.render(Self.activity(), marker: Self.marker.marker(for: Self.key))
        #expect(body.hasPrefix("<!-- prenv:comment v1 "))
        #expect(Self.marker.isMarked(body, for: Self.key))
        #expect(body.contains("prenv · webapp · ready"))
        #expect(body.contains("`aaaaaaaaaaaa`"))
        #expect(body.contains("| build | aws\\/codebuild\\-project | pr\\-7\\-build | created | [AWS console](https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/pr-7-build/history?region=eu-west-1) |"), "\(body)")
        #expect(body.contains("| pipeline / Build | Succeeded | 1 min 15 s |"), "\(body)")
        #expect(body.contains("[open the preview](http://preview.example/pr-7/)"))
        #expect(body.contains("**Expires:** 2027-01-15 08:00 UTC"))
        for command in ["/prenv redeploy", "/prenv keep", "/prenv destroy", "/prenv help"] { #expect(body.contains(command)) }
    }

    /// A physical name holding an account id (a bucket or ARN named after it) is masked as in
    /// `/api/environments`, and its console link, which would carry the name, is dropped.
    @Test func physicalNamesAreMaskedAndTheirConsoleLinkDropped() {
        let body = PRCommentRenderer.render(Self.activity(physicalName: "pr-7-123456789012-build"), marker: "")
        #expect(!body.contains("123456789012"), "\(body)")
        #expect(!body.contains("AWS console"), "\(body)")
        #expect(body.contains("| build | aws\\/codebuild\\-project | pr\\-7\\-"), "\(body)")
        #expect(body.contains("| created | – |"), "\(body)")
    }

    /// Hostile values from a branch name, AWS or a build: rendered as text, on their own line and cell.
    @Test(arguments: [
        "<script>alert(1)</script>", "a|b|c", "`rm -rf`", "@org/team please look", "[x](javascript:alert(1))", "\u{202E}gnp.exe",
        String(repeating: "r", count: 300), "--> <b>escaped</b> <!--", "line\nbreak | x |",
    ])
    func hostileTextIsInert(_ hostile: String) {
        let body = PRCommentRenderer.render(Self.activity(headRef: hostile, physicalName: hostile, error: hostile, state: .failed),
                                            marker: Self.marker.marker(for: Self.key))
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(!body.dropFirst(Self.marker.marker(for: Self.key).count).contains("-->"), "only the marker ends an HTML comment")
        #expect(!body.contains("<script") && !body.contains("<b>") && !body.contains("@org") && !body.contains("](javascript"))
        #expect(!body.contains("\u{202E}"))
        // Every table row still has exactly its cells: no unescaped `|` came from the value.
        for line in lines where line.hasPrefix("| build ") {
            let pipes = line.indices.filter { line[$0] == "|" && ($0 == line.startIndex || line[line.index(before: $0)] != "\\") }
            #expect(pipes.count == 6, "\(line)")
        }
        #expect(Self.marker.isMarked(body, for: Self.key))
        if hostile.count == 300 {
            let header = lines.first { $0.hasPrefix("Commit ") }
            #expect(header?.contains(String(repeating: "r", count: 100) + "…") == true && header?.contains(String(repeating: "r", count: 101)) == false,
                    "a 300-character ref is cut: \(header ?? "")")
        }
    }

    @Test func aHugeActivityStaysUnderGitHubsLimit() {
        var activity = Self.activity(error: String(repeating: "@|<", count: 5_000))
        activity.resources = (0..<100).map {
            .init(id: "node\($0)", type: "aws/s3-prefix", physicalName: String(repeating: "@|", count: 150), state: "created", consoleURL: nil)
        }
        activity.stages = (0..<50).map { _ in .init(node: "pipeline", name: String(repeating: "#", count: 300), state: "Failed", startedAt: nil, duration: 1) }
        let body = PRCommentRenderer.render(activity, marker: Self.marker.marker(for: Self.key))
        #expect(body.count <= PRCommentRenderer.maxLength && body.count < 65_536)
        #expect(body.contains("more resources not shown"))
        #expect(Self.marker.isMarked(body, for: Self.key))
    }

    @Test(arguments: [
        (StatusDetailFilter.Narrated.summary, StatusSettings.Detail.summary, true),
        (.summary, .stages, true), (.summary, .all, true),
        (.resource, .summary, false), (.resource, .stages, false), (.resource, .all, true),
        (.stage(status: "InProgress"), .summary, false), (.stage(status: "InProgress"), .stages, false), (.stage(status: "InProgress"), .all, true),
        (.stage(status: "Succeeded"), .summary, false), (.stage(status: "Succeeded"), .stages, true), (.stage(status: "Succeeded"), .all, true),
        (.stage(status: "Failed"), .stages, true), (.stage(status: "Stopped"), .stages, true), (.stage(status: "Stopping"), .stages, false),
    ])
    func detailFilter(_ narrated: StatusDetailFilter.Narrated, _ detail: StatusSettings.Detail, _ posts: Bool) {
        #expect(StatusDetailFilter.posts(narrated, at: detail) == posts)
    }

    @Test func theMarkerIsBoundToItsEnvironmentAndSecret() {
        let genuine = Self.marker.marker(for: Self.key)
        #expect(Self.marker.isMarked(genuine + "\nbody", for: Self.key))
        // Moved to another PR, blueprint or repository: refused.
        #expect(!Self.marker.isMarked(genuine, for: EnvironmentKey(repository: "acme/webapp", pr: 8, blueprint: "webapp")))
        #expect(!Self.marker.isMarked(genuine, for: EnvironmentKey(repository: "acme/webapp", pr: 7, blueprint: "docs")))
        #expect(!Self.marker.isMarked(genuine, for: EnvironmentKey(repository: "acme/other", pr: 7, blueprint: "webapp")))
        #expect(Self.marker.isMarked(genuine, for: EnvironmentKey(repository: "ACME/WebApp", pr: 7, blueprint: "webapp")), "GitHub names are case-insensitive")
        // Made with another secret, or with one hex digit changed, or not at the start: refused.
        #expect(!Self.marker.isMarked(PRCommentMarker(secret: "guess").marker(for: Self.key), for: Self.key))
        var flipped = Array(genuine)
        let index = PRCommentMarker.prefix.count + 5
        flipped[index] = flipped[index] == "0" ? "1" : "0"
        #expect(!Self.marker.isMarked(String(flipped), for: Self.key))
        #expect(!Self.marker.isMarked("hello\n" + genuine, for: Self.key))
        #expect(!Self.marker.isMarked("<!-- prenv:comment v1 " + String(repeating: "0", count: 64) + " -->", for: Self.key))
    }

    @Test func consoleLinksEncodeNamesAndRefuseOddRegions() {
        #expect(AWSConsoleLink.url(type: "aws/s3-prefix", physicalName: "s3://bucket/webapp/pr-7/", region: "us-east-1")?.absoluteString
            == "https://s3.console.aws.amazon.com/s3/buckets/bucket?region=us-east-1&prefix=webapp%2Fpr-7%2F")
        #expect(AWSConsoleLink.url(type: "aws/codepipeline", physicalName: "a/../b?x#y", region: "us-east-1")?.absoluteString
            == "https://us-east-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/a%2F..%2Fb%3Fx%23y/view?region=us-east-1")
        #expect(AWSConsoleLink.url(type: "aws/codepipeline", physicalName: "p", region: "evil.example/") == nil)
        #expect(AWSConsoleLink.url(type: "aws/codepipeline", physicalName: "p", region: nil) == nil)
        #expect(AWSConsoleLink.url(type: "aws/unknown", physicalName: "p", region: "us-east-1") == nil)
    }
}
