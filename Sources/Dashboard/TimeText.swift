import Foundation

/// Times as the pages show them: instants in UTC (the server's readers may be anywhere; no
/// JavaScript converts them), spans in the largest two units.
enum TimeText {
    /// `2026-12-02 11:20:31 UTC`.
    static func instant(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date) + " UTC"
    }

    /// `HH:mm:ss`, for the events of one page (the page shows the day elsewhere).
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// `41 s`, `3 min 12 s`, `2 h 5 min`, `3 d 4 h`; negative spans count as zero.
    static func span(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        let (days, hours, minutes, rest) = (total / 86_400, total % 86_400 / 3_600, total % 3_600 / 60, total % 60)
        if days > 0 { return hours > 0 ? "\(days) d \(hours) h" : "\(days) d" }
        if hours > 0 { return minutes > 0 ? "\(hours) h \(minutes) min" : "\(hours) h" }
        if minutes > 0 { return rest > 0 ? "\(minutes) min \(rest) s" : "\(minutes) min" }
        return "\(rest) s"
    }

    /// `4 min ago`, or `in 3 h` for a time ahead.
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = now.timeIntervalSince(date)
        return seconds >= 0 ? "\(span(seconds)) ago" : "in \(span(-seconds))"
    }
}
