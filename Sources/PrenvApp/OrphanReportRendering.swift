import Foundation
import Orchestrator
import Supervisor

/// What `prenv gc` prints and how it exits, apart from the command so tests can check both with a
/// report of their own. Every value from AWS (names, tags, errors) goes through `TagText.printable`:
/// pull-request authors control branch names that reach tags.
public enum OrphanReportRendering {
    public enum Format: String, CaseIterable, Sendable {
        case table, json
    }

    /// 0: nothing orphaned (dry run) or every orphan deleted (`--apply`); 3: orphans found in a dry
    /// run; 1: a deletion failed, or a discovery failed or skipped an entry it could not read (the
    /// account was not fully looked at, so "nothing orphaned" cannot be said, even when the orphans
    /// that were found are all deleted).
    public static func exitStatus(_ report: OrphanReport) -> Int32 {
        if !report.incompleteDiscoveries.isEmpty { return 1 }
        if report.applied { return report.findings.contains { if case .failed = $0.outcome { true } else { false } } ? 1 : 0 }
        return report.orphans.isEmpty ? 0 : 3
    }

    /// Standard output.
    public static func render(_ report: OrphanReport, format: Format) throws -> String {
        switch format {
        case .json: String(decoding: try OrphanReportDocument(report, masked: false).json(), as: UTF8.self)
        case .table: table(report)
        }
    }

    /// Standard error: what the sweep could not look at or ask.
    public static func problemLines(_ report: OrphanReport) -> [String] {
        report.problems.map { problem in
            switch problem.source {
            case .discovery:
                "error: \(problem.subject) failed: \(TagText.printable(problem.message)); its resources are neither reported nor taken as gone"
            case .skippedEntry:
                "error: \(problem.subject) could not be read: \(TagText.printable(problem.message)); the rest of its type is reported, but what it may depend on is spared"
            case .pullRequest:
                "warning: \(problem.subject) could not be checked: \(TagText.printable(problem.message)); its resources are not counted as orphans"
            }
        }
    }

    /// RESOURCE, TYPE, ENVIRONMENT (`repo#pr/blueprint env`), AGE, REASON, and OUTCOME after `--apply`;
    /// then one summary line.
    public static func table(_ report: OrphanReport) -> String {
        let scanned = report.scanned.values.reduce(0, +)
        guard !report.findings.isEmpty else {
            return "no orphaned resources (\(scanned) resource(s) tagged for this instance, all accounted for)"
        }
        var rows = [["RESOURCE", "TYPE", "ENVIRONMENT", "AGE", "REASON"] + (report.applied ? ["OUTCOME"] : [])]
        for finding in report.findings {
            var reason = finding.reason.explanation
            if !report.applied, case .spared(let spared) = finding.outcome { reason += " (spared: \(spared.describe(TagText.printable)))" }
            var row = [TagText.printable(finding.resource.identifier), finding.resource.type.rawValue, finding.environment.printable,
                       OrphanAge.describe(finding.age), reason]
            if report.applied { row.append(outcome(finding.outcome)) }
            rows.append(row)
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        lines.append(summary(report, scanned: scanned))
        return lines.joined(separator: "\n")
    }

    static func outcome(_ outcome: OrphanOutcome) -> String {
        switch outcome {
        case .found, .deleted: outcome.name
        case .spared(let reason): "spared: \(reason.describe(TagText.printable))"
        case .failed(let error): "failed: \(TagText.printable(error))"
        }
    }

    static func summary(_ report: OrphanReport, scanned: Int) -> String {
        let orphans = report.orphans.count
        let young = report.findings.count - orphans
        let spareNote = young > 0 ? ", \(young) more too young to judge" : ""
        guard report.applied else {
            // Only young ones found: `--apply` would delete nothing, so it is not suggested.
            let hint = orphans > 0 ? "; run `prenv gc --apply` to delete them" : ""
            return "\(orphans) orphaned resource(s) of \(scanned) scanned\(spareNote)\(hint)"
        }
        let count = { (name: String) in report.orphans.filter { $0.outcome.name == name }.count }
        return "\(count("deleted")) deleted, \(count("failed")) failed, \(count("spared")) spared of \(orphans) orphaned resource(s)\(spareNote)"
    }
}

/// One `prenv gc` run, start to exit status: what the command prints and returns, from any sweep
/// (tests give one over their own discoveries and providers).
public enum OrphanCollection {
    public struct Outcome: Sendable {
        /// Standard output: the table or the JSON.
        public var output: String
        /// Standard error, one line each.
        public var problems: [String]
        public var status: Int32
        public var report: OrphanReport
    }

    /// Throws when the state store cannot be read (nothing was deleted) and on cancellation.
    public static func run(_ sweep: OrphanSweep, olderThan: TimeInterval, apply: Bool, format: OrphanReportRendering.Format) async throws -> Outcome {
        let report = try await sweep.run(olderThan: olderThan, apply: apply)
        return Outcome(output: try OrphanReportRendering.render(report, format: format), problems: OrphanReportRendering.problemLines(report),
                       status: OrphanReportRendering.exitStatus(report), report: report)
    }
}
