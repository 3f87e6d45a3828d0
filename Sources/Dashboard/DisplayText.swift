import Foundation
import UntrustedText

/// How an untrusted string becomes something the page shows. Mustache's `{{x}}` escapes HTML
/// (`< > & " '`) in text and in quoted attributes alike, so no value can become markup; what is
/// left is what escaping does not cover: bidirectional overrides and other invisible characters
/// that make text read other than it is (made visible as `\u{…}`, `UntrustedText.printable`),
/// lengths (a 300-character branch must not break the layout: cut, marked with `…`), and URLs,
/// which are only ever `http`/`https` and only ever what prenv built or validated.
enum DisplayText {
    /// One line: every control, format and line-break character made visible, at most `limit` scalars.
    static func line(_ value: String, limit: Int) -> String {
        detachingMarks(UntrustedText.printable(value, limit: limit))
    }

    /// swift-mustache escapes character by character, and `"` followed by a combining mark is one
    /// character that is not `"`: it would be written raw and could end an attribute. Marks and
    /// other scalars joined to one of `" ' < > &` are therefore shown as `\u{…}` after it.
    static func detachingMarks(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII }) else { return text }
        var result = ""
        for character in text {
            let scalars = character.unicodeScalars
            guard scalars.count > 1, scalars.contains(where: { "\"'<>&".unicodeScalars.contains($0) }) else {
                result.append(character)
                continue
            }
            for scalar in scalars {
                if scalar.isASCII { result.unicodeScalars.append(scalar) } else { result += "\\u{\(String(scalar.value, radix: 16))}" }
            }
        }
        return result
    }

    /// A block shown in `<pre>` (an error in full): line breaks and tabs kept as such, everything
    /// else as `line` would show it, at most `limit` characters overall.
    static func block(_ value: String, limit: Int) -> String {
        let cut = value.unicodeScalars.count > limit
        let kept = cut ? String(String.UnicodeScalarView(value.unicodeScalars.prefix(limit))) : value
        let lines = kept.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let shown = lines.map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map { detachingMarks(UntrustedText.printable(String($0))) }.joined(separator: "\t")
        }.joined(separator: "\n")
        return cut ? shown + "\n… (cut at \(limit) characters; the server log has the rest)" : shown
    }

    /// A commit SHA as people quote it: its first 12 hex digits; anything that is not hex is shown as text.
    static func shortSHA(_ sha: String) -> String {
        let hex = sha.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) }
        return hex ? String(sha.prefix(12)) : line(sha, limit: 12)
    }

    /// The URL as an `href`, or nil: only absolute `http`/`https` URLs with a host and no
    /// credentials, at most 2,048 characters. Anything else (`javascript:`, `data:`, relative) is
    /// never a link.
    static func href(_ url: URL?) -> String? {
        guard let url, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil else { return nil }
        let text = url.absoluteString
        guard text.count <= 2_048, text.lowercased().hasPrefix(scheme + "://") else { return nil }
        return text
    }
}
