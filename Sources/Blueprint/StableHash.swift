/// Hashes that are the same on every run, machine and Swift version.
///
/// Swift's `Hasher` is seeded per process, so it cannot name AWS resources that must be found again
/// tomorrow. `short` (64-bit FNV-1a) scopes `env.name` and must never change, or every existing
/// environment would be renamed; `nameSuffix` (SHA-256) is what sanitised names carry, where a PR
/// author picks the input.
public enum StableHash {
    /// 64-bit FNV-1a of the UTF-8 bytes.
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// Eight lowercase base-36 characters (about 41 bits): valid in every AWS name this project makes.
    public static func short(_ text: String) -> String {
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        var value = fnv1a64(text)
        var characters: [Character] = []
        for _ in 0..<8 {
            characters.append(alphabet[Int(value % 36)])
            value /= 36
        }
        return String(characters.reversed())
    }
}

extension StableHash {
    /// Characters of `nameSuffix`: 13 base-36 characters carry 67 bits of SHA-256.
    public static let nameSuffixLength = 13

    /// The suffix a sanitised name carries: 13 lowercase base-36 characters of SHA-256 over the raw
    /// input. A name is a security boundary (it decides which environment owns a resource), and a PR
    /// author chooses the input, so the hash must resist chosen collisions: FNV can be inverted, the
    /// first 67 bits of SHA-256 cannot be matched by search.
    public static func nameSuffix(_ text: String) -> String {
        let digest = SHA256.hash(Array(text.utf8))
        var value = digest.prefix(9).reduce(into: [UInt8]()) { $0.append($1) }
        let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        var characters: [UInt8] = []
        for _ in 0..<nameSuffixLength {
            // Long division of the big-endian byte string by 36.
            var remainder = 0
            for index in value.indices {
                let current = remainder << 8 | Int(value[index])
                value[index] = UInt8(current / 36)
                remainder = current % 36
            }
            characters.append(alphabet[remainder])
        }
        return String(decoding: characters.reversed(), as: UTF8.self)
    }

    /// Whether `name` ends the way a sanitised name does (`-` or `h` followed by a name suffix), so a
    /// valid name shaped like another input's sanitised form is hashed too instead of kept.
    public static func endsLikeNameSuffix(_ name: String) -> Bool {
        let trimmed = name.hasSuffix("/") ? String(name.dropLast()) : name
        let scalars = Array(trimmed.unicodeScalars)
        guard scalars.count > nameSuffixLength else { return false }
        let tail = scalars.suffix(nameSuffixLength)
        let before = scalars[scalars.count - nameSuffixLength - 1]
        let segmentStart = scalars.count == nameSuffixLength + 1 || scalars[scalars.count - nameSuffixLength - 2] == "/"
        return (before == "-" || (before == "h" && segmentStart))
            && tail.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }
}

/// SHA-256 (FIPS 180-4) in plain Swift: the engine takes no crypto dependency for one hash of short
/// names. Checked against the NIST vectors in the tests.
enum SHA256 {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
        var data = message
        data.append(0x80)
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 64)
        for chunk in stride(from: 0, to: data.count, by: 64) {
            for i in 0..<16 {
                let j = chunk + i * 4
                w[i] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotate(w[i - 15], 7) ^ rotate(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotate(w[i - 2], 17) ^ rotate(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, hh) = (h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
            for i in 0..<64 {
                let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
                let choice = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ choice &+ k[i] &+ w[i]
                let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ majority
                (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (index, value) in [a, b, c, d, e, f, g, hh].enumerated() { h[index] = h[index] &+ value }
        }
        return h.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * UInt32($0))) } }
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 { value >> count | value << (32 - count) }
}
