import Foundation
import UntrustedText

/// The sticky PR comment's Markdown for one environment (`EnvironmentActivity`): readable as plain
/// text too. Everything that comes from a PR, from AWS or from GitHub (branch names, physical names,
/// AWS's messages, URLs) goes through `UntrustedText.markdown` or `linkTarget`, so it renders as
/// text and cannot mention, link, close the table or inject HTML. Node ids, types and stage names
/// come from the blueprint, but are escaped the same way (a rule with exceptions gets one wrong).
/// The body stays under GitHub's 65,536 characters: every value is cut, and when the tables would
/// still be too long their rows are cut, with a line saying how many were left out.
public enum PRCommentRenderer {
    /// Under GitHub's 65,536 with room for the marker and a margin.
    public static let maxLength = 60_000

    public static func render(_ activity: EnvironmentActivity, marker: String, now: Date = Date()) -> String {
        var rows = max(activity.resources.count, activity.stages.count)
        while true {
            let body = render(activity, marker: marker, maxRows: rows)
            if body.count <= maxLength || rows == 0 { return body.count <= maxLength ? body : String(body.prefix(maxLength)) }
            rows /= 2
        }
    }

    static func render(_ activity: EnvironmentActivity, marker: String, maxRows: Int) -> String {
        var lines = [marker]
        let sha = String(activity.headSHA.prefix(12).filter(\.isHexDigit))
        lines.append("### \(icon(activity.state)) prenv · \(md(activity.blueprint, 64)) · \(label(activity.state))")
        lines.append("")
        lines.append("Commit `\(sha)` of branch \(md(activity.headRef, 100)) · \(md(activity.summary, 300))")
        if let url = activity.previewURL, let target = linkTarget(url) {
            lines.append("")
            lines.append("**Preview:** [open the preview](\(target))")
        }
        if let expiresAt = activity.expiresAt, activity.state != .destroyed, activity.state != .expired {
            lines.append("")
            lines.append("**Expires:** \(timestamp(expiresAt)) unless a new commit is pushed (`/prenv keep` keeps it).")
        }
        if let error = activity.lastError, activity.state == .failed || activity.state == .teardownFailed {
            lines.append("")
            lines.append("**Error:** \(md(error, EnvironmentActivity.Limits.error))")
        }
        if !activity.resources.isEmpty {
            lines += ["", "| Resource | Type | Name | State | Links |", "|---|---|---|---|---|"]
            for resource in activity.resources.prefix(maxRows) {
                // Physical names can hold an account id (an ARN, a bucket named after it): masked as
                // in `EnvironmentsReport`, and the console link (which carries the name) dropped then.
                let name = resource.physicalName.map(Redaction.masked)
                let masked = name != resource.physicalName
                let link = masked ? "–" : resource.consoleURL.flatMap(linkTarget).map { "[AWS console](\($0))" } ?? "–"
                lines.append("| \(md(resource.id, 64)) | \(md(resource.type, 64)) | \(md(name ?? "–", 200)) | \(md(resource.state, 40)) | \(link) |")
            }
            if activity.resources.count > maxRows { lines += ["", "\(activity.resources.count - maxRows) more resources not shown."] }
        }
        if !activity.stages.isEmpty {
            lines += ["", "| Pipeline stage | State | Duration |", "|---|---|---|"]
            for stage in activity.stages.prefix(maxRows) {
                lines.append("| \(md(stage.node, 64)) / \(md(stage.name, 100)) | \(md(stage.state, 40)) | \(stage.duration.map(duration) ?? "running") |")
            }
            if activity.stages.count > maxRows { lines += ["", "\(activity.stages.count - maxRows) more stages not shown."] }
        }
        lines += [
            "",
            "<sub>Comment `/prenv redeploy` to run it again, `/prenv keep` to keep it past its expiry, "
                + "`/prenv destroy` to tear it down, `/prenv help` for more. Updated \(timestamp(activity.updatedAt)).</sub>",
        ]
        return lines.joined(separator: "\n")
    }

    static func md(_ value: String, _ limit: Int) -> String {
        value.isEmpty ? "–" : UntrustedText.markdown(value, limit: limit)
    }

    /// A link's target as Markdown may hold it: only http(s), at most 2,000 characters, and every
    /// character outside RFC 3986's unreserved and reserved sets (spaces, `<>()[]"'|\` and backticks
    /// among them) percent-encoded, so the URL cannot end the link or the table cell early.
    static func linkTarget(_ url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return nil }
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&*+,;=%")
        guard let encoded = url.absoluteString.addingPercentEncoding(withAllowedCharacters: allowed), encoded.count <= 2_000 else { return nil }
        return encoded
    }

    static func label(_ state: EnvironmentActivity.State) -> String {
        switch state {
        case .provisioning: "provisioning"
        case .ready: "ready"
        case .failed: "failed"
        case .superseded: "superseded by a newer commit"
        case .destroying: "tearing down"
        case .destroyed: "destroyed"
        case .expired: "expired"
        case .skipped: "skipped"
        case .teardownFailed: "teardown failing (prenv retries)"
        case .waitingForSlot: "waiting for a slot"
        }
    }

    static func icon(_ state: EnvironmentActivity.State) -> String {
        switch state {
        case .ready: "✅"
        case .failed, .teardownFailed: "❌"
        case .provisioning, .destroying, .waitingForSlot: "⏳"
        case .superseded, .destroyed, .expired, .skipped: "⚪"
        }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return whole >= 60 ? "\(whole / 60) min \(whole % 60) s" : "\(whole) s"
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
