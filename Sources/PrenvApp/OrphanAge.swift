import Blueprint
import Foundation
import Supervisor

/// `--older-than`'s value: a whole number and a unit, `s`, `m`, `h` or `d` (`90m`, `1h`, `2d`).
public enum OrphanAge {
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var text: String

        public init(text: String) { self.text = text }

        public var description: String {
            "--older-than must be a whole number followed by s, m, h or d (e.g. 30m, 1h, 2d), got \"\(TagText.printable(text))\""
        }
    }

    /// Seconds, or `Invalid` naming the value. `0s` is allowed: the operator's explicit choice to
    /// spare nothing for age.
    public static func parse(_ text: String) throws(Invalid) -> TimeInterval {
        guard let seconds = DurationText.seconds(text) else { throw Invalid(text: text) }
        return seconds
    }

    /// `45s`, `12m`, `3h5m`, `2d4h`; `?` when unknown.
    public static func describe(_ seconds: TimeInterval?) -> String {
        guard let seconds else { return "?" }
        let total = max(0, Int(seconds.rounded(.down)))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m"
        case ..<86400: return "\(total / 3600)h" + (total % 3600 / 60 > 0 ? "\(total % 3600 / 60)m" : "")
        default: return "\(total / 86400)d" + (total % 86400 / 3600 > 0 ? "\(total % 86400 / 3600)h" : "")
        }
    }
}
