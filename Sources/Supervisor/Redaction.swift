import Foundation

/// Masks what identifies or unlocks an AWS account in text that leaves prenv: commit statuses
/// (public on public repositories) and `GET /api/environments`. AWS's own error messages name
/// the account ("User: arn:aws:iam::123456789012:role/x is not authorized …"), and a build can
/// print anything, so text from AWS or from a PR is masked before it goes out; the server log
/// keeps the full text for the operator.
///
/// Pure and deliberately eager: a masked request id is a small loss, a leaked key is not.
public enum Redaction {
    /// Replaces a 12-digit account id (bare or the account field of an ARN).
    public static let accountMask = "<account>"
    /// Replaces an access key id (`AKIA…`, `ASIA…` and AWS's other unique-id prefixes).
    public static let accessKeyMask = "<access-key>"
    /// Replaces a 40-character base64 string: the shape of a secret access key.
    public static let secretMask = "<secret>"

    /// AWS unique-id prefixes of long-term (`AKIA`) and temporary (`ASIA`) access keys, plus the
    /// ids of users, roles and groups, which name a principal just as well.
    private static let accessKey = pattern(#"(?<![A-Za-z0-9])(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"#)
    /// Exactly 40 base64 characters, not part of a longer run.
    private static let secretKey = pattern(#"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"#)
    /// Exactly 12 digits not part of a longer number: an ARN's account field or a bare account id.
    private static let accountID = pattern(#"(?<![0-9])[0-9]{12}(?![0-9])"#)

    /// `text` with account ids, access key ids and secret-key-shaped strings masked.
    public static func masked(_ text: String) -> String {
        mayNeedMasking(text) ? maskedByExpressions(text) : text
    }

    /// The shortest text any pattern matches: every match (12 digits, a 20-character key id, 40
    /// base64 characters) is a run of at least this many characters from `[A-Za-z0-9/+]`.
    static let shortestMatch = 12

    /// False when no pattern can match: no run of `shortestMatch` characters from `[A-Za-z0-9/+]`.
    /// Most texts (names with dashes, status lines) have none, and the expressions cost about ten
    /// microseconds per text on Linux (perf, `/api/environments` at 5,500 environments, where masking
    /// was an eighth of the answer's time): every status and every entry of that answer is masked.
    static func mayNeedMasking(_ text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "/"), UInt8(ascii: "+"):
                run += 1
                if run >= shortestMatch { return true }
            default:
                run = 0
            }
        }
        return false
    }

    /// `masked` without the shortcut: the reference the shortcut is tested against.
    static func maskedByExpressions(_ text: String) -> String {
        var result = replace(accessKey, in: text, with: accessKeyMask)
        result = replaceSecrets(in: result)
        return replace(accountID, in: result, with: accountMask)
    }

    /// Whether `masked(text)` would change anything (so the caller logs the full text once).
    public static func needsMasking(_ text: String) -> Bool { masked(text) != text }

    /// A 40-character lowercase hex string is a commit SHA, not a key: a real secret key is
    /// base64 and all-hex with vanishing probability, while SHAs fill prenv's messages.
    private static func replaceSecrets(in text: String) -> String {
        let nsText = text as NSString
        var result = text
        for match in secretKey.matches(in: text, range: NSRange(location: 0, length: nsText.length)).reversed() {
            let candidate = nsText.substring(with: match.range)
            if candidate.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) { continue }
            guard let range = Range(match.range, in: result) else { continue }
            result.replaceSubrange(range, with: secretMask)
        }
        return result
    }

    private static func replace(_ expression: NSRegularExpression, in text: String, with mask: String) -> String {
        expression.stringByReplacingMatches(
            in: text, range: NSRange(location: 0, length: (text as NSString).length),
            withTemplate: NSRegularExpression.escapedTemplate(for: mask))
    }

    private static func pattern(_ source: String) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: source)
        } catch {
            // The patterns are constants: a typo is a programming error caught by the first test.
            preconditionFailure("invalid redaction pattern \(source): \(error)")
        }
    }
}
