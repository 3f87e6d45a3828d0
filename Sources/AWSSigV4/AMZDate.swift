import Foundation

/// The two date renderings SigV4 needs: `yyyyMMdd'T'HHmmss'Z'` and the `yyyyMMdd` scope stamp.
///
/// Computed arithmetically from the Unix time (proleptic Gregorian, UTC) instead of through
/// `DateFormatter`, which is slow to create, not `Sendable`, and depends on locale and calendar
/// settings (a Buddhist-calendar or 12-hour locale silently breaks signatures).
struct AMZDate: Sendable, Equatable {
    /// `20150830T123600Z`
    let timestamp: String
    /// `20150830`
    let dateStamp: String

    init(date: Date) {
        // Sub-second precision is dropped (floor), matching what a header can carry.
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down))
        let (days, secondOfDay) = Self.floorDivMod(seconds, 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        Self.appendDigits(year, width: 4, to: &bytes)
        Self.appendDigits(month, width: 2, to: &bytes)
        Self.appendDigits(day, width: 2, to: &bytes)
        let stamp = String(decoding: bytes, as: UTF8.self)
        bytes.append(UInt8(ascii: "T"))
        Self.appendDigits(secondOfDay / 3600, width: 2, to: &bytes)
        Self.appendDigits(secondOfDay % 3600 / 60, width: 2, to: &bytes)
        Self.appendDigits(secondOfDay % 60, width: 2, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        self.timestamp = String(decoding: bytes, as: UTF8.self)
        self.dateStamp = stamp
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

    private static func appendDigits(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = Swift.max(value, 0)
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        bytes.append(contentsOf: digits)
    }
}
