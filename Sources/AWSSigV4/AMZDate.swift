import Foundation

/// The two date renderings SigV4 needs: `yyyyMMdd'T'HHmmss'Z'` and the `yyyyMMdd` scope stamp.
///
/// Computed arithmetically from the Unix time (proleptic Gregorian, UTC) instead of through
/// `DateFormatter`, which is slow to create, not `Sendable`, and depends on locale and calendar
/// settings (a Buddhist-calendar or 12-hour locale silently breaks signatures). Kept as numbers
/// and written straight into the signer's byte buffer; the strings are made only when asked for.
struct AMZDate: Sendable, Equatable {
    /// Days since 1970-01-01: identifies the `yyyyMMdd` stamp (and the day's signing key).
    let day: Int64
    private let year: Int64, month: Int64, dayOfMonth: Int64, secondOfDay: Int64

    init(date: Date) {
        // Sub-second precision is dropped (floor), matching what a header can carry.
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
        let (days, secondOfDay) = Self.floorDivMod(seconds, 86_400)
        (year, month, dayOfMonth) = Self.civil(fromDays: days)
        self.day = days
        self.secondOfDay = secondOfDay
    }

    /// `20150830T123600Z`
    var timestamp: String { string(appendTimestamp) }
    /// `20150830`
    var dateStamp: String { string(appendDateStamp) }

    func appendDateStamp(to bytes: inout [UInt8]) {
        Self.appendDigits(year, width: 4, to: &bytes)
        Self.appendDigits(month, width: 2, to: &bytes)
        Self.appendDigits(dayOfMonth, width: 2, to: &bytes)
    }

    func appendTimestamp(to bytes: inout [UInt8]) {
        appendDateStamp(to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        Self.appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        Self.appendDigits(secondOfDay % 3600 / 60, width: 2, to: &bytes)
        Self.appendDigits(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    private func string(_ render: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        render(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Zero-padded decimal, most significant digit first; values wider than `width` keep their
    /// low digits (as before: a year past 9999 cannot be signed anyway).
    private static func appendDigits(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        let rest = Swift.max(value, 0)
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
            divisor /= 10
        }
    }
}
