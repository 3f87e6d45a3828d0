import Blueprint
import Foundation
import Orchestrator

/// The JSON of an orphan sweep: `prenv gc --format json` and `GET /api/orphans`. Tag values and
/// names are hostile input, so every string from AWS goes through `TagText.printable`; for the API
/// (which people other than the operator may read) AWS's text is also masked (`Redaction`: ARNs
/// name the account).
///
/// ```json
/// {"swept_at": "…", "older_than_seconds": 3600, "applied": false, "scanned": {"aws/codepipeline": 4},
///  "findings": [{"resource": "arn:…", "type": "aws/codepipeline", "reason": "no-environment",
///                "environment": {"repository": "acme/webapp", "pr": "7", "blueprint": "webapp", "env": "…", "node": "pipeline"},
///                "age_seconds": 7200, "outcome": "found", "detail": null}],
///  "errors": [{"source": "discovery of aws/s3-prefix", "message": "…"}]}
/// ```
public struct OrphanReportDocument: Encodable, Sendable {
    public struct Finding: Encodable, Sendable {
        var resource: String
        var type: String
        var reason: String
        var environment: Environment
        var ageSeconds: Int?
        var outcome: String
        var detail: String?

        enum CodingKeys: String, CodingKey {
            case resource, type, reason, environment, outcome, detail
            case ageSeconds = "age_seconds"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(resource, forKey: .resource)
            try container.encode(type, forKey: .type)
            try container.encode(reason, forKey: .reason)
            try container.encode(environment, forKey: .environment)
            try container.encode(ageSeconds, forKey: .ageSeconds)  // null when unknown, not absent
            try container.encode(outcome, forKey: .outcome)
            try container.encode(detail, forKey: .detail)
        }
    }

    struct Environment: Encodable, Sendable {
        var repository: String?
        var pr: String?
        var blueprint: String?
        var env: String?
        var node: String?
    }

    struct Problem: Encodable, Sendable {
        var source: String
        var message: String
    }

    var sweptAt: Date?
    var olderThanSeconds: Int?
    var applied: Bool
    var scanned: [String: Int]
    var findings: [Finding]
    var errors: [Problem]

    enum CodingKeys: String, CodingKey {
        case applied, scanned, findings, errors
        case sweptAt = "swept_at"
        case olderThanSeconds = "older_than_seconds"
    }

    /// - Parameters:
    ///   - report: nil before the first sweep (`swept_at` is then null and the lists empty).
    ///   - error: why the last sweep could not run, reported as an error of source `sweep`.
    ///   - masked: mask account ids and keys in AWS's text (for `/api/orphans`).
    public init(_ report: OrphanReport?, error: String? = nil, masked: Bool) {
        // Mask, then cut: cut first, an account id at the 200-character boundary would lose the
        // digits that make it one and leak the rest.
        let text = { (value: String) in TagText.printable(masked ? Redaction.masked(value) : value) }
        let tag = { (value: String?) in value.map(TagText.printable) }
        sweptAt = report?.sweptAt
        olderThanSeconds = report.map { Int($0.olderThan) }
        applied = report?.applied ?? false
        scanned = Dictionary(uniqueKeysWithValues: (report?.scanned ?? [:]).map { ($0.key.rawValue, $0.value) })
        findings = (report?.findings ?? []).map { finding in
            let tagged = finding.environment
            return Finding(
                resource: text(finding.resource.identifier), type: TagText.printable(finding.resource.type.rawValue), reason: finding.reason.rawValue,
                environment: Environment(repository: tag(tagged.repository), pr: tag(tagged.pr), blueprint: tag(tagged.blueprint),
                                         env: tag(tagged.envName), node: tag(tagged.node)),
                ageSeconds: finding.age.map { Int($0.rounded(.down)) }, outcome: finding.outcome.name, detail: Self.detail(finding.outcome, text))
        }
        errors = (report?.problems ?? []).map { Problem(source: $0.describeSubject(text), message: text($0.message)) }
            + (error.map { [Problem(source: "sweep", message: text($0))] } ?? [])
    }

    /// Why it was spared (node ids through `text`, once) or what failed (through `text`).
    static func detail(_ outcome: OrphanOutcome, _ text: (String) -> String) -> String? {
        switch outcome {
        case .found, .deleted: nil
        case .spared(let reason): reason.describe(text)
        case .failed(let error): text(error)
        }
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sweptAt, forKey: .sweptAt)
        try container.encode(olderThanSeconds, forKey: .olderThanSeconds)
        try container.encode(applied, forKey: .applied)
        try container.encode(scanned, forKey: .scanned)
        try container.encode(findings, forKey: .findings)
        try container.encode(errors, forKey: .errors)
    }
}
