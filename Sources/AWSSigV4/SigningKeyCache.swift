import Crypto
import Foundation

/// Derived SigV4 signing keys shared by every signer in the process, as the AWS SDKs keep them.
///
/// Why: `AWSClient` makes a signer per request (credentials may have been refreshed since the last
/// one), and the four-step HMAC derivation of the key was the largest single cost of a signature,
/// although its result only changes with the secret, the UTC day, the region and the service.
///
/// Keyed by a SHA-256 fingerprint of the secret, never by the access key id alone: a rotated
/// secret under the same access key id must never be signed with the old key. The secret itself
/// is not stored here; the values are the derived, day- and scope-bound keys (as pre-keyed HMAC
/// states), which is what the SDKs cache too.
///
/// Bounded: at most `capacity` keys; the oldest entry is dropped first. A process signs for a few
/// (region, service) pairs, two days around midnight and an occasional rotation, so the default
/// capacity is ample, and an evicted key is merely derived again.
final class SigningKeyCache: @unchecked Sendable {
    /// The identity of a derived key.
    struct Key: Hashable, Sendable {
        let secret: SecretFingerprint
        /// Days since 1970-01-01 (UTC): the `yyyyMMdd` of the credential scope.
        let day: Int64
        let region: String
        let service: String
    }

    /// The cache every signer uses unless a test hands it its own.
    static let shared = SigningKeyCache(capacity: 64)

    let capacity: Int
    // `@unchecked Sendable`: every access to the two stores below holds `lock`.
    private let lock = NSLock()
    private var keys: [Key: HMACSHA256] = [:]
    /// Insertion order, oldest first, for eviction.
    private var order: [Key] = []

    init(capacity: Int) {
        precondition(capacity > 0, "SigningKeyCache capacity must be positive")
        self.capacity = capacity
        keys.reserveCapacity(capacity)
        order.reserveCapacity(capacity)
    }

    /// The cached key for `key`, or the one `derive` makes, which is then cached. `derive` runs
    /// outside the lock: two signers racing on a cold key both derive it, with the same result.
    func signingKey(for key: Key, derive: () -> HMACSHA256) -> HMACSHA256 {
        lock.lock()
        let cached = keys[key]
        lock.unlock()
        if let cached { return cached }

        let derived = derive()
        lock.lock()
        defer { lock.unlock() }
        if keys[key] == nil {
            if keys.count >= capacity, !order.isEmpty {
                keys[order.removeFirst()] = nil
            }
            keys[key] = derived
            order.append(key)
        }
        return derived
    }

    /// How many keys are held (for tests of the bound).
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return keys.count
    }

    /// Whether a key for `key` is held (for tests that need a warm cache).
    func contains(_ key: Key) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return keys[key] != nil
    }
}

/// SHA-256 of `"AWS4" + secret`, standing in for the secret wherever an identity is needed.
struct SecretFingerprint: Hashable, Sendable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    init(secretKeyBytes: [UInt8]) {
        var hasher = SHA256()
        secretKeyBytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        words = hasher.finalize().withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
        }
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.words == rhs.words
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
    }
}
