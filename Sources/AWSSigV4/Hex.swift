import Crypto

/// Lower-case hex rendering of digests and MACs, as SigV4 requires.
///
/// Arithmetic on the nibble straight into the destination bytes: no `String(format:)`, no
/// per-byte strings, no intermediate array. Usable from inlinable code so that
/// `SigV4Request.hash(_:)` specialises at its call sites.
@usableFromInline
enum Hex {
    @inline(__always) @usableFromInline
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") - 10 + nibble
    }

    /// Appends the 64 hex digits of `digest` to `output`.
    static func append(_ digest: SHA256Digest, to output: inout [UInt8]) {
        digest.withUnsafeBytes { raw in
            for byte in raw {
                output.append(digit(byte >> 4))
                output.append(digit(byte & 0x0F))
            }
        }
    }

    /// The 64 hex digits of `digest` as a string, written in place.
    @usableFromInline
    static func string(_ digest: SHA256Digest) -> String {
        String(unsafeUninitializedCapacity: 64) { buffer in
            digest.withUnsafeBytes { raw in
                var index = 0
                for byte in raw {
                    buffer[index] = digit(byte >> 4)
                    buffer[index + 1] = digit(byte & 0x0F)
                    index += 2
                }
                return index
            }
        }
    }
}
