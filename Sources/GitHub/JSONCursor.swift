/// A strict, allocation-light walk over one JSON document's bytes: the fast path under
/// `PullRequestEvent.decode`. It reads what it is asked for and checks everything it skips, and it
/// accepts a subset of what `JSONDecoder` accepts: anything unusual (a byte-order mark, invalid
/// UTF-8, a lone surrogate, a number that is not a plain integer where one is read, nesting deeper
/// than `maxDepth`, a field it reads named twice) makes it give up (`JSONCursor.GiveUp`) and the caller asks
/// `JSONDecoder`, whose answer and error messages then stand. Giving up is never an error of the
/// payload, only of this path; the webhook fuzz target checks the two agree whenever this one answers.
struct JSONCursor {
    struct GiveUp: Error {}

    /// Deeper documents are left to `JSONDecoder` (which has its own limit).
    static let maxDepth = 64

    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0
    private var depth = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// After the top-level value: only whitespace may follow.
    func isAtEnd() -> Bool {
        var at = index
        while at < bytes.count {
            guard Self.isWhitespace(bytes[at]) else { return false }
            at += 1
        }
        return true
    }

    // MARK: Objects and arrays

    /// A key as it is in the payload (keys with escapes give up: GitHub writes none), compared
    /// byte for byte with a field's name, so walking an object makes no strings.
    struct Key {
        let bytes: UnsafeRawBufferPointer

        static func ~= (name: StaticString, key: Key) -> Bool {
            name.utf8CodeUnitCount == key.bytes.count
                && key.bytes.elementsEqual(UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
    }

    /// Calls `member` with each key of the object that starts here; `member` must read or skip its
    /// value and say which (true: read). A key read twice gives up: which one `JSONDecoder` keeps is
    /// its business; keys only skipped may repeat, as they may for `JSONDecoder`.
    mutating func readObject(_ member: (inout JSONCursor, Key) throws(GiveUp) -> Bool) throws(GiveUp) {
        try expect(UInt8(ascii: "{"))
        try enter()
        var read: [Key] = []
        if try peek() == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw GiveUp() }
            let start = index + 1
            guard try !skipString() else { throw GiveUp() }
            let key = Key(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<index - 1]))
            try expect(UInt8(ascii: ":"))
            if try member(&self, key) {
                guard !read.contains(where: { $0.bytes.elementsEqual(key.bytes) }) else { throw GiveUp() }
                read.append(key)
            }
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"):
                depth -= 1
                return
            default: throw GiveUp()
            }
        }
    }

    /// Calls `element` for each element of the array that starts here; `element` must read or skip it.
    mutating func readArray(_ element: (inout JSONCursor) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "["))
        try enter()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            try element(&self)
            switch try next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"):
                depth -= 1
                return
            default: throw GiveUp()
            }
        }
    }

    // MARK: Scalars

    /// Whether the value here is `null` (consumed if so).
    mutating func readNull() throws(GiveUp) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    mutating func readBool() throws(GiveUp) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw GiveUp()
        }
    }

    /// A plain integer: `-?(0|[1-9][0-9]*)` that fits in `Int`. Fractions and exponents give up.
    mutating func readInt() throws(GiveUp) -> Int {
        _ = try peek()
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        let start = index
        var value = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw GiveUp() }
            value = sum
            index += 1
        }
        let count = index - start
        guard count > 0, count == 1 || bytes[start] != UInt8(ascii: "0") else { throw GiveUp() }
        if index < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index]) { throw GiveUp() }
        return value
    }

    /// A string, escapes decoded. Invalid UTF-8, unescaped control characters and unpaired
    /// surrogates give up.
    mutating func readString() throws(GiveUp) -> String {
        _ = try peek()
        let start = index + 1
        let escaped = try skipString()
        let content = UnsafeRawBufferPointer(rebasing: bytes[start..<index - 1])
        // Checked by `skipString`: the bytes are valid UTF-8 and every escape is well-formed.
        guard escaped else { return String(decoding: content, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(content.count)
        var inner = JSONCursor(content)
        while inner.index < content.count {
            let byte = content[inner.index]
            inner.index += 1
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                continue
            }
            if let encoded = UTF8.encode(try inner.escape()) { decoded.append(contentsOf: encoded) }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    // MARK: Skipping (validated)

    /// Skips the value here, checking it is well-formed JSON.
    mutating func skipValue() throws(GiveUp) {
        switch try peek() {
        case UInt8(ascii: "{"):
            try readObject { cursor, _ throws(GiveUp) in
                try cursor.skipValue()
                return false
            }
        case UInt8(ascii: "["): try readArray { cursor throws(GiveUp) in try cursor.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): _ = try readNull()
        default: try skipNumber()
        }
    }

    /// Checks the string that starts here without making it (so skipping allocates nothing);
    /// returns whether it holds escapes.
    @discardableResult
    private mutating func skipString() throws(GiveUp) -> Bool {
        try expect(UInt8(ascii: "\""))
        var escaped = false
        while index < bytes.count {
            // Eight bytes at a time while they need no look (most of a payload: URLs, ids, dates).
            while index + 8 <= bytes.count, Self.isPlain(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { index += 8 }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return escaped
            case UInt8(ascii: "\\"):
                index += 1
                _ = try escape()
                escaped = true
            case 0..<0x20: throw GiveUp()
            case 0x20..<0x80: index += 1
            default: try skipUTF8Sequence(lead: byte)
            }
        }
        throw GiveUp()
    }

    /// One multi-byte UTF-8 sequence, strictly: no overlong forms, surrogates or scalars past U+10FFFF.
    private mutating func skipUTF8Sequence(lead: UInt8) throws(GiveUp) {
        let continuations: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: continuations = 2
        case 0xED: continuations = 2; second = 0x80...0x9F
        case 0xF0: continuations = 3; second = 0x90...0xBF
        case 0xF1...0xF3: continuations = 3
        case 0xF4: continuations = 3; second = 0x80...0x8F
        default: throw GiveUp()
        }
        guard index + continuations < bytes.count, second.contains(bytes[index + 1]) else { throw GiveUp() }
        for offset in stride(from: 2, through: continuations, by: 1) where !(0x80...0xBF).contains(bytes[index + offset]) { throw GiveUp() }
        index += continuations + 1
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func skipNumber() throws(GiveUp) {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let start = index
        let integerDigits = skipDigits()
        guard integerDigits > 0, integerDigits == 1 || bytes[start] != UInt8(ascii: "0") else { throw GiveUp() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw GiveUp() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw GiveUp() }
        }
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, Self.digit(bytes[index]) != nil { index += 1 }
        return index - start
    }

    // MARK: Bytes

    /// The next non-whitespace byte, not consumed.
    private mutating func peek() throws(GiveUp) -> UInt8 {
        while index < bytes.count, Self.isWhitespace(bytes[index]) { index += 1 }
        guard index < bytes.count else { throw GiveUp() }
        return bytes[index]
    }

    private mutating func next() throws(GiveUp) -> UInt8 {
        let byte = try peek()
        index += 1
        return byte
    }

    private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        guard try next() == byte else { throw GiveUp() }
    }

    private mutating func enter() throws(GiveUp) {
        depth += 1
        guard depth <= Self.maxDepth else { throw GiveUp() }
    }

    private mutating func literal(_ word: StaticString) throws(GiveUp) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw GiveUp() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw GiveUp() }
        index += count
        // `nullx`, `true1`: a literal must end where a value may.
        if index < bytes.count, !Self.endsValue(bytes[index]) { throw GiveUp() }
    }

    /// After a backslash: one escape sequence; a high surrogate must be followed by its low half.
    fileprivate mutating func escape() throws(GiveUp) -> Unicode.Scalar {
        guard index < bytes.count else { throw GiveUp() }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let unit = try hex4()
            switch unit {
            case 0xD800...0xDBFF:
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw GiveUp() }
                index += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low),
                      let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)) else { throw GiveUp() }
                return scalar
            case 0xDC00...0xDFFF: throw GiveUp()
            default:
                guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw GiveUp() }
                return scalar
            }
        default: throw GiveUp()
        }
    }

    private mutating func hex4() throws(GiveUp) -> UInt16 {
        guard index + 4 <= bytes.count else { throw GiveUp() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw GiveUp()
            }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }

    /// Whether none of the eight bytes is a quote, a backslash, a control character or non-ASCII.
    private static func isPlain(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        /// Some byte of `value` is zero (exact: a borrow only crosses from a zero byte).
        func hasZero(_ value: UInt64) -> Bool { (value &- ones) & ~value & high != 0 }
        guard word & high == 0 else { return false }
        let hasControl = (word &- ones &* 0x20) & ~word & high != 0  // exact for bytes below 0x80
        return !hasControl && !hasZero(word ^ (ones &* 0x22)) && !hasZero(word ^ (ones &* 0x5C))
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func endsValue(_ byte: UInt8) -> Bool {
        isWhitespace(byte) || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
    }
}
