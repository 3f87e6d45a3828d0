import Blueprint
import Foundation
import Orchestrator
import Testing

@testable import Dashboard
@testable import Supervisor

/// The pages rendered from hand-built reports: what a person sees, and that nothing a pull request
/// controls becomes markup.
@Suite struct DashboardTests {
    typealias F = DashboardFixtures

    /// A failed apply of the reference blueprint: the pipeline's Build stage failed, the site was not run.
    static func failedSnapshot(branch: String = "feature/login", error: String = "pipeline: apply failed: unit tests failed") -> DashboardSnapshot {
        let record = F.record(.failed(sha: F.sha, reason: "Provisioning failed"), nodes: [
            F.node("artifacts", .created, name: "s3://acme-previews/webapp/pr-42/"), F.node("build", .created), F.node("pipeline", .failed, error: error),
        ])
        let stages = [
            EnvironmentActivity.Stage(node: "pipeline", name: "Source", state: "Succeeded", startedAt: F.now.addingTimeInterval(-80), duration: 41),
            EnvironmentActivity.Stage(node: "pipeline", name: "Build", state: "Failed", startedAt: F.now.addingTimeInterval(-39), duration: 192,
                                      summary: "unit tests failed: 3 of 120"),
        ]
        let activity = F.activity(state: .failed, resources: [("artifacts", "created"), ("build", "created"), ("pipeline", "failed"), ("site", "skipped")],
                                  stages: stages, headRef: branch, lastError: error)
        let events = [F.key: [
            EnvironmentJournal.Entry(time: F.now.addingTimeInterval(-100), kind: .webhook, text: "pull_request opened (delivery d-1), head 3f2a9c1",
                                     deliveryID: "d-1"),
            EnvironmentJournal.Entry(time: F.now.addingTimeInterval(-99), kind: .operation, text: "apply started at 3f2a9c1"),
            EnvironmentJournal.Entry(time: F.now.addingTimeInterval(-2), kind: .status, text: "prenv/webapp → failure: Provisioning failed"),
        ]]
        return F.snapshot(records: [record], activities: [activity], events: events)
    }

    @Test func templatesNeverWriteAValueUnescaped() {
        for template in [Templates.head, Templates.foot, Templates.list, Templates.environment] {
            #expect(!template.contains("{{{") && !template.contains("{{&"))
            #expect(!template.lowercased().contains("<script"), "no script")
            #expect(template.range(of: #"\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil, "no event handler")
        }
    }

    @Test func theListShowsEveryEnvironmentWithItsLinks() throws {
        let html = Dashboard.list(Self.failedSnapshot())
        let row = try #require(F.element(html, containing: "data-state=\"failed\"", tag: "tr"))
        #expect(row.contains("<a href=\"https://github.com/acme/webapp/pull/42\" rel=\"noopener noreferrer\">#42</a>"), "\(row)")
        #expect(row.contains("<a href=\"/environments/acme/webapp/42/webapp\">acme/webapp</a>"))
        #expect(row.contains(">3f2a9c1deeee<"), "the short head SHA")
        #expect(row.contains("feature/login") && row.contains("in 3 h"), "branch and expiry")
        #expect(row.contains("1 min 30 s ago"), "age from updated_at")
        #expect(html.contains("1 environment, 0 in progress, 1 failed"))
    }

    @Test func theEnvironmentPageDrawsTheWebappGraphLeftToRightInDependencyOrder() throws {
        let html = try #require(Dashboard.environment(F.key, Self.failedSnapshot()))
        let layout = GraphLayout(ids: ["site", "pipeline", "build", "artifacts"], dependencies: F.webappEdges)
        #expect(layout.nodes.map(\.id) == ["artifacts", "build", "pipeline", "site"])
        #expect(layout.nodes.map(\.column) == [0, 1, 2, 3])
        #expect(layout.nodes.map(\.x) == layout.nodes.map(\.x).sorted() && Set(layout.nodes.map(\.x)).count == 4)
        #expect(layout.edges.map { "\($0.from)→\($0.to)" } == ["artifacts→build", "artifacts→site", "build→pipeline", "pipeline→site"])
        for edge in layout.edges {
            let from = try #require(layout.nodes.first { $0.id == edge.from })
            let to = try #require(layout.nodes.first { $0.id == edge.to })
            #expect(edge.path.hasPrefix("M\(from.x + GraphLayout.nodeWidth) "), "leaves the dependency's right side: \(edge.path)")
            #expect(edge.path.hasSuffix(" \(to.x - 6) \(to.y + GraphLayout.nodeHeight / 2)"), "ends at the dependent's left side: \(edge.path)")
        }
        #expect(layout.width == 4 * GraphLayout.nodeWidth + 3 * GraphLayout.columnGap + 2 * GraphLayout.margin)
        // artifacts → site skips two columns: it dips below the row instead of running behind build and pipeline.
        let skipping = try #require(layout.edges.first { $0.from == "artifacts" && $0.to == "site" })
        #expect(skipping.path.contains(" \(GraphLayout.margin + GraphLayout.nodeHeight / 2 + GraphLayout.detour) "), "\(skipping.path)")
        #expect(layout.height == GraphLayout.nodeHeight + 2 * GraphLayout.margin + GraphLayout.detour / 2)

        let svg = try #require(F.element(html, containing: "id=\"graph\"", tag: "svg"))
        #expect(svg.components(separatedBy: "<g class=\"node").count - 1 == 4)
        #expect(svg.components(separatedBy: "<path class=\"edge\"").count - 1 == 4)
        #expect(svg.contains("width=\"\(layout.width)\" height=\"\(layout.height)\""))
        for node in layout.nodes { #expect(svg.contains("data-node=\"\(node.id)\"") && svg.contains("x=\"\(node.x)\" y=\"\(node.y)\"")) }
    }

    @Test func nodesAreColouredByState() throws {
        let record = F.record(.provisioning(sha: F.sha), nodes: [F.node("artifacts", .created), F.node("build", .deleted), F.node("pipeline", .failed)])
        let activity = F.activity(state: .provisioning, resources: [
            ("artifacts", "created"), ("build", "deleted"), ("pipeline", "failed"), ("site", "creating"),
        ])
        let html = try #require(Dashboard.environment(F.key, F.snapshot(records: [record], activities: [activity])))
        let expected = [("artifacts", "#d7f0dc", "#1e7b34", "done"), ("site", "#ffe9b3", "#b26a00", "running"),
                        ("pipeline", "#f8d0d0", "#c62828", "failed"), ("build", "#e4e4e4", "#7a7a7a", "gone")]
        for (id, fill, stroke, style) in expected {
            let node = try #require(F.element(html, containing: "data-node=\"\(id)\"", tag: "g"), "\(id)")
            #expect(node.contains("<g class=\"node \(style)\""), "\(id): \(node)")
            #expect(node.contains("fill=\"\(fill)\" stroke=\"\(stroke)\""), "\(id): \(node)")
        }
    }

    @Test func aPageRefreshesItselfOnlyWhileSomethingIsInProgress() throws {
        let refresh = "<meta http-equiv=\"refresh\" content=\"5\">"
        let running = F.snapshot(records: [F.record(.provisioning(sha: F.sha), nodes: [F.node("artifacts", .creating)])],
                                 activities: [F.activity(state: .provisioning, resources: [("artifacts", "creating")])])
        #expect(Dashboard.list(running).contains(refresh))
        #expect(try #require(Dashboard.environment(F.key, running)).contains(refresh))

        for phase in [EnvironmentPhase.ready(sha: F.sha), .failed(sha: F.sha, reason: "x"), .destroyed, .idle] {
            let still = F.snapshot(records: [F.record(phase, nodes: [F.node("artifacts", .created)])])
            #expect(!Dashboard.list(still).contains(refresh), "\(phase)")
            #expect(try #require(Dashboard.environment(F.key, still)).contains(refresh) == false, "\(phase)")
        }
        // One environment in progress among others refreshes the list, not the other's page.
        let other = EnvironmentKey(repository: "acme/webapp", pr: 43, blueprint: "webapp")
        let mixed = F.snapshot(records: [F.record(.ready(sha: F.sha), nodes: []), F.record(.destroying, nodes: [], key: other)])
        #expect(Dashboard.list(mixed).contains(refresh))
        #expect(try #require(Dashboard.environment(F.key, mixed)).contains(refresh) == false)
        #expect(try #require(Dashboard.environment(other, mixed)).contains(refresh))
    }

    @Test func aFailedNodesErrorIsShownInFullWithTheFailedStageAndItsReason() throws {
        let lines = (1...12).map { "line \($0): FAIL test_\($0) expected 200, got 500 <body>&amp;</body>" }
        let error = "pipeline: apply failed: pipeline webapp-webapp-pr42 failed: execution 3f2a Failed in stage Build (action Build):\n" + lines.joined(separator: "\n")
        #expect(error.count > 700)
        let html = try #require(Dashboard.environment(F.key, Self.failedSnapshot(error: error)))
        let shown = try #require(F.element(html, containing: "id=\"last-error\"", tag: "pre"))
        let escaped = error.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        #expect(shown.contains(escaped), "every line, escaped, newlines kept")
        // The resource's own error too, beside it in the table.
        let resource = try #require(F.element(html, containing: "data-resource=\"pipeline\"", tag: "tr"))
        #expect(resource.contains(escaped))

        let build = try #require(F.element(html, containing: "data-stage=\"Build\"", tag: "tr"))
        #expect(build.contains("class=\"stage failed\"") && build.contains("unit tests failed: 3 of 120") && build.contains("3 min 12 s"), "\(build)")
        let source = try #require(F.element(html, containing: "data-stage=\"Source\"", tag: "tr"))
        #expect(source.contains("class=\"stage done\"") && source.contains("41 s"))
    }

    @Test func anErrorLongerThanTheCapIsCutAndSaysSo() throws {
        let error = String(repeating: "e", count: EnvironmentPage.errorLimit + 500)
        let html = try #require(Dashboard.environment(F.key, Self.failedSnapshot(error: error)))
        let shown = try #require(F.element(html, containing: "id=\"last-error\"", tag: "pre"))
        #expect(shown.contains(String(repeating: "e", count: EnvironmentPage.errorLimit) + "\n… (cut at 8000 characters"))
        #expect(!shown.contains(String(repeating: "e", count: EnvironmentPage.errorLimit + 1)))
    }

    @Test func recentEventsAreListedNewestFirstWithTheirTimes() throws {
        let html = try #require(Dashboard.environment(F.key, Self.failedSnapshot()))
        let table = try #require(F.element(html, containing: "id=\"events\"", tag: "table"))
        let webhook = try #require(table.range(of: "pull_request opened (delivery d-1)"))
        let status = try #require(table.range(of: "prenv/webapp → failure"))
        #expect(status.lowerBound < webhook.lowerBound)
        #expect(table.contains(TimeText.clock(F.now.addingTimeInterval(-100))))
    }

    /// Branch names, physical names, AWS's errors, stage names and event texts are the PR's or AWS's
    /// words: each is shown as text, in element content, in attributes and in the SVG.
    @Test func hostileStringsRenderAsTextEverywhere() throws {
        let hostile = "<script>alert(1)</script>\"'\u{202E}<img src=x onerror=alert(2)>\n&amp;"
        let key = F.key
        var pipeline = F.node("pipeline", .failed, name: "pipe\(hostile)", error: "AWS said \(hostile)")
        pipeline.dependencies = ["build", "x\"><script>alert(3)</script>"]
        let oddNode = NodeRecord(id: "x\"><script>alert(3)</script>", type: ResourceType(rawValue: "aws/\(hostile)"), status: .created,
                                 physicalName: "s3://bucket/\(hostile)", updatedAt: F.now)
        let record = F.record(.failed(sha: F.sha, reason: hostile), nodes: [F.node("artifacts", .created), F.node("build", .created), pipeline, oddNode])
        let activity = F.activity(
            state: .failed, resources: [("artifacts", "created"), ("build", "created"), ("pipeline", "failed")],
            stages: [EnvironmentActivity.Stage(node: "pipeline", name: "Build\(hostile)", state: "Failed\(hostile)", startedAt: F.now, duration: 3,
                                               summary: hostile)],
            headRef: F.hostileBranch + hostile, lastError: "error \(hostile)", previewURL: URL(string: "javascript:alert(4)"))
        let events = [key: [EnvironmentJournal.Entry(time: F.now, kind: .status, text: "prenv/webapp → failure: \(hostile)")]]
        let snapshot = F.snapshot(records: [record], activities: [activity], events: events)

        // The checker itself tells markup of the templates from injected markup.
        #expect(F.isTemplateTag("<a href=\"/\">") && F.isTemplateTag("<rect x=\"1\" y=\"2\"/>") && F.isTemplateTag("</td>"))
        #expect(!F.isTemplateTag("<img src=x onerror=alert(2)>") && !F.isTemplateTag("<a href=\"/\" onclick=\"x\">"))
        #expect(!F.isTemplateTag("<td data-label=\"a\"\">") && !F.isTemplateTag("<td class=\"a\"x>"))
        for html in [Dashboard.list(snapshot), try #require(Dashboard.environment(key, snapshot))] {
            for tag in F.tags(html) { #expect(F.isTemplateTag(tag), "injected or unknown markup: \(tag)") }
            #expect(!html.lowercased().contains("<script") && !html.lowercased().contains("<img"))
            #expect(!html.contains("\u{202E}"), "the override is shown as \\u{202e}, never applied")
            #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;\\u{202e}"), "the branch, as text")
            for href in F.hrefs(html) {
                #expect(href == "/" || href.hasPrefix("/environments/") || href.hasPrefix("https://") || href.hasPrefix("http://"), "\(href)")
                #expect(!href.lowercased().contains("javascript"))
            }
            // Display bounds: the 300-character branch is cut, never a 300-character line.
            #expect(!html.contains(String(repeating: "x", count: 100)))
        }
        let page = try #require(Dashboard.environment(key, snapshot))
        let svg = try #require(F.element(page, containing: "id=\"graph\"", tag: "svg"))
        #expect(svg.contains("data-node=\"x&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;\""), "an attribute, escaped")
        #expect(svg.contains("<title>pipeline (aws/codepipeline) failed: pipe&lt;script&gt;"), "the tooltip, escaped")
        #expect(page.contains("AWS said &lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;\\u{202e}&lt;img src=x onerror=alert(2)&gt;\n&amp;amp;"),
                "the error block keeps its newline, escapes the rest")
        #expect(!page.contains("href=\"javascript"), "a javascript: preview URL is not a link")
    }

    /// swift-mustache escapes by character, and `"` joined to a combining mark is one character
    /// that is not `"`: such marks are shown as `\u{…}` so the quote is escaped and ends no attribute.
    @Test(arguments: ["\u{301}", "\u{34F}", "\u{FE0F}"])
    func aQuoteJoinedToAMarkStaysInsideItsAttribute(mark: String) throws {
        let id = "n\"\(mark) onmouseover=alert(1) x=\"\(mark)<\(mark)b>"
        var pipeline = F.node("pipeline", .failed, error: "e")
        pipeline.dependencies = ["build", id]
        let odd = NodeRecord(id: id, type: ResourceType(rawValue: "aws/s3-prefix"), status: .created, updatedAt: F.now)
        let record = F.record(.failed(sha: F.sha, reason: "r"), nodes: [F.node("artifacts", .created), F.node("build", .created), pipeline, odd])
        let activity = F.activity(state: .failed, resources: [("pipeline", "failed")], stages: [], headRef: "b\"\(mark)<\(mark)i>", lastError: "e")
        let snapshot = F.snapshot(records: [record], activities: [activity], events: [:])
        for html in [Dashboard.list(snapshot), try #require(Dashboard.environment(F.key, snapshot))] {
            for tag in F.tags(html) { #expect(F.isTemplateTag(tag), "injected or unknown markup: \(tag)") }
            #expect(!html.unicodeScalars.contains(mark.unicodeScalars.first ?? " "), "the mark is shown as \\u{…}, never joined to markup")
        }
    }

    @Test func anUnknownEnvironmentHasNoPage() {
        let other = EnvironmentKey(repository: "acme/webapp", pr: 99, blueprint: "webapp")
        #expect(Dashboard.environment(other, Self.failedSnapshot()) == nil)
    }

    @Test func anEmptyServerSaysSo() {
        let html = Dashboard.list(F.snapshot(records: []))
        #expect(html.contains("No environments yet") && !html.contains("id=\"environments\""))
    }

    @Test func aCycleInRecordedDependenciesStillDraws() {
        let layout = GraphLayout(ids: ["a", "b", "c"], dependencies: ["a": ["b"], "b": ["a"], "c": ["missing"]])
        #expect(layout.nodes.map(\.id) == ["c", "a", "b"])
        #expect(layout.nodes.map(\.column) == [0, 1, 1])
        #expect(layout.edges.count == 2, "a↔b drawn, the missing dependency dropped")
    }
}
