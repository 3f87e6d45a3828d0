import Foundation

/// Timestamps in XML answers (Query and REST-XML protocols): ISO 8601, with or without fractional
/// seconds (`2026-12-02T00:25:28.123Z`).
enum XMLTimestamp {
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
