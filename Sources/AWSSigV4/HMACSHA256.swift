import Crypto

/// HMAC-SHA256 (RFC 2104) with the key's padded blocks already absorbed, so that a MAC costs the
/// message's hashing plus one extra block, and no key processing.
///
/// swift-crypto's `HMAC<SHA256>` is generic and not inlinable: every call from this module goes
/// through generic metadata and witness tables, allocates both pads and wraps keys in
/// `SymmetricKey`. SigV4 needs five MACs per key derivation and one per signature, so the signer
/// uses this concrete form and caches it keyed (see `SigningKeyCache`).
///
/// `@unchecked Sendable`: both hashers are immutable here. `authenticationCode(for:)` copies them
/// and swift-crypto copies a shared hash state on first write, so concurrent callers never
/// mutate the stored ones.
struct HMACSHA256: @unchecked Sendable {
    private let inner: SHA256
    private let outer: SHA256

    init(key: UnsafeRawBufferPointer) {
        let blockSize = 64
        var inner = SHA256()
        var outer = SHA256()
        withUnsafeTemporaryAllocation(byteCount: blockSize, alignment: 8) { block in
            block.initializeMemory(as: UInt8.self, repeating: 0)
            if key.count > blockSize {
                var hasher = SHA256()
                hasher.update(bufferPointer: key)
                hasher.finalize().withUnsafeBytes { block.copyMemory(from: $0) }
            } else if !key.isEmpty {
                block.copyMemory(from: key)
            }
            for index in 0..<blockSize { block[index] ^= 0x36 }
            inner.update(bufferPointer: UnsafeRawBufferPointer(block))
            // 0x36 ^ 0x5c turns the inner pad into the outer one.
            for index in 0..<blockSize { block[index] ^= 0x36 ^ 0x5C }
            outer.update(bufferPointer: UnsafeRawBufferPointer(block))
            // The block holds the key; leave no copy of it behind on the stack.
            block.initializeMemory(as: UInt8.self, repeating: 0)
        }
        self.inner = inner
        self.outer = outer
    }

    init(key: [UInt8]) {
        self = key.withUnsafeBytes { HMACSHA256(key: $0) }
    }

    func authenticationCode(for message: UnsafeRawBufferPointer) -> SHA256Digest {
        var inner = self.inner
        inner.update(bufferPointer: message)
        let innerDigest = inner.finalize()
        var outer = self.outer
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }

    func authenticationCode(for message: [UInt8]) -> SHA256Digest {
        message.withUnsafeBytes { authenticationCode(for: $0) }
    }

    func authenticationCode(for message: String) -> SHA256Digest {
        var message = message
        return message.withUTF8 { authenticationCode(for: UnsafeRawBufferPointer($0)) }
    }
}
