import Foundation
import Orchestrator
import PrenvApp
import Supervisor
import Testing

/// What a report shows of hostile or secret text: `/api/orphans` masks account ids before it cuts
/// text to `TagText.limit`, and the table escapes the node ids a spare reason names.
@Suite struct OrphanReportEscapingTests {
    static let sweptAt = Date(timeIntervalSince1970: 1_800_000_000)

    static func finding(identifier: String = "arn:aws:codepipeline:us-east-1:123456789012:pipe-7", outcome: OrphanOutcome) -> OrphanFinding {
        let tags = ["prenv:repository": "acme/webapp", "prenv:pr": "7", "prenv:blueprint": "webapp", "prenv:env": "webapp-webapp-pr7", "prenv:node": "pipeline"]
        let resource = DiscoveredResource(
            type: .codePipeline, identifier: identifier, tags: tags, createdAt: sweptAt.addingTimeInterval(-7200),
            node: NodeRecord(id: "pipeline", type: .codePipeline, status: .created, physicalName: "pipe-7", updatedAt: sweptAt))
        return OrphanFinding(resource: resource, reason: .noEnvironment, age: 7200, outcome: outcome)
    }

    static func report(_ findings: [OrphanFinding], applied: Bool = true) -> OrphanReport {
        OrphanReport(sweptAt: sweptAt, olderThan: 3600, applied: applied, findings: findings, scanned: [.codePipeline: findings.count])
    }

    static func firstFinding(_ document: OrphanReportDocument) throws -> [String: Any] {
        let object = try #require(try JSONSerialization.jsonObject(with: document.json()) as? [String: Any])
        return try #require((object["findings"] as? [[String: Any]])?.first)
    }

    /// An account id straddling the 200-character cut: cut first, its first digits would no longer be
    /// 12 in a row, escape the mask, and be shown.
    @Test func anAccountIDAtTheCutIsMaskedNotLeaked() throws {
        // The digits are characters 196 to 207: a cut at 200 keeps 5 of them.
        let error = String(repeating: "a", count: TagText.limit - 5) + "123456789012 is not authorized"
        let identifier = String(repeating: "p", count: TagText.limit - 6) + ":123456789012:pipe"
        let finding = try Self.firstFinding(OrphanReportDocument(
            Self.report([Self.finding(identifier: identifier, outcome: .failed(error))]), masked: true))
        let detail = try #require(finding["detail"] as? String)
        let resource = try #require(finding["resource"] as? String)
        for shown in [detail, resource] {
            #expect(shown.hasSuffix("…"), "\(shown)")
            #expect(!shown.contains("1234"), "\(shown)")
        }
        #expect(detail.hasSuffix("<acco…"))  // the mask, itself cut
    }

    @Test func unmaskedTheOperatorSeesTheAccount() throws {
        let finding = try Self.firstFinding(OrphanReportDocument(Self.report([Self.finding(outcome: .failed("denied for 123456789012"))]), masked: false))
        #expect(finding["detail"] as? String == "denied for 123456789012")
    }

    /// Node ids in a spare reason come from `prenv:node` tags: escaped once in the JSON (masked for
    /// the API), never twice.
    @Test func spareReasonNodeIDsAreEscapedOnceAndMasked() throws {
        let reason = SpareReason.dependentKept(["site\u{1B}[2J", "stack-123456789012"])
        let finding = try Self.firstFinding(OrphanReportDocument(Self.report([Self.finding(outcome: .spared(reason))]), masked: true))
        #expect(finding["detail"] as? String == #"kept for site\u{1b}[2J, stack-<account>, which depends on it"#)
    }

    /// A skipped entry's identifier (an ARN, or a key a build wrote) names the source of an error:
    /// masked for the API and escaped, like the message.
    @Test func aSkippedEntrysIdentifierIsMaskedAndEscapedInTheErrors() throws {
        var report = Self.report([])
        report.problems = [SweepProblem(source: .skippedEntry(.codeBuildProject, identifier: "arn:aws:codebuild:us-east-1:123456789012:project/p\u{1B}[2J"),
                                        message: "AccessDeniedException for 123456789012")]
        let object = try #require(try JSONSerialization.jsonObject(with: OrphanReportDocument(report, masked: true).json()) as? [String: Any])
        #expect(object["errors"] as? [[String: String]] == [[
            "source": #"discovery of aws/codebuild-project at arn:aws:codebuild:us-east-1:<account>:project/p\u{1b}[2J"#,
            "message": "AccessDeniedException for <account>",
        ]])
    }

    @Test(arguments: [false, true])
    func theTableEscapesSpareReasonNodeIDs(applied: Bool) throws {
        let reason = SpareReason.dependentKept(["site\u{1B}]0;owned\u{07}\nerror: forged"])
        let table = OrphanReportRendering.table(Self.report([Self.finding(outcome: .spared(reason))], applied: applied))
        #expect(!table.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        #expect(table.split(separator: "\n").count == 3, "\(table)")  // header, one row, summary: no forged line
        #expect(table.contains(#"kept for site\u{1b}]0;owned\u{7}\u{a}error: forged, which depends on it"#), "\(table)")
    }
}
