@testable import AWSSigV4
import Foundation
import Testing

/// The derived-key cache: a rotated secret never reuses the old key, the cache stays bounded, and
/// cached and freshly derived keys sign alike.
@Suite("Signing key cache")
struct SigningKeyCacheTests {
    static let date = Date(timeIntervalSince1970: 1_440_938_160)
    static let request = SigV4Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")])

    static func signer(secret: String, region: String = "us-east-1", cache: SigningKeyCache) -> SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret),
            region: region, service: "service", options: .default, keyCache: cache
        )
    }

    static func key(_ signer: SigV4Signer) -> SigningKeyCache.Key {
        SigningKeyCache.Key(secret: signer.secretFingerprint, day: AMZDate(date: date).day, region: signer.region, service: signer.service)
    }

    @Test("a rotated secret under the same access key id signs differently with the cache warm")
    func rotatedSecret() throws {
        let cache = SigningKeyCache(capacity: 8)
        let old = Self.signer(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", cache: cache)
        let oldAuthorization = old.authorization(for: Self.request, date: Self.date)
        try #require(cache.contains(Self.key(old)), "the first signature must warm the cache")

        let rotated = Self.signer(secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", cache: cache)
        let rotatedAuthorization = rotated.authorization(for: Self.request, date: Self.date)
        #expect(rotatedAuthorization != oldAuthorization)
        #expect(cache.count == 2)

        // The rotated signature is the one a cold cache derives for the new secret.
        let cold = Self.signer(secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", cache: SigningKeyCache(capacity: 1))
        #expect(rotatedAuthorization == cold.authorization(for: Self.request, date: Self.date))
        // And the old secret still gets its own key back from the warm cache.
        #expect(old.authorization(for: Self.request, date: Self.date) == oldAuthorization)
    }

    @Test("the cache keeps at most its capacity, dropping the oldest key first")
    func bounded() {
        let cache = SigningKeyCache(capacity: 4)
        let signers = (0..<10).map { Self.signer(secret: "secret", region: "region-\($0)", cache: cache) }
        var signatures: [String] = []
        for signer in signers {
            signatures.append(signer.authorization(for: Self.request, date: Self.date))
            #expect(cache.count <= 4)
        }
        #expect(cache.count == 4)
        #expect(!cache.contains(Self.key(signers[0])))
        #expect(!cache.contains(Self.key(signers[5])))
        #expect((6..<10).allSatisfy { cache.contains(Self.key(signers[$0])) })
        // An evicted key is derived again, to the same signature.
        #expect(signers[0].authorization(for: Self.request, date: Self.date) == signatures[0])
        #expect(cache.count == 4)
        #expect(SigningKeyCache.shared.capacity <= 64)
    }

    @Test("the next day derives a new key; the derivation matches the SigV4 documentation example")
    func derivation() {
        // "Examples of how to derive a signing key" (AWS General Reference): 20120215, us-east-1, iam.
        let cache = SigningKeyCache(capacity: 4)
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "iam", options: .default, keyCache: cache
        )
        let day = AMZDate(date: Date(timeIntervalSince1970: 1_329_264_000))
        let key = signer.signingKey(for: day)
        // HMAC(kSigning, m) for the documented kSigning, computed independently of the cache:
        let documented = HMACSHA256(key: Self.bytes(hex: "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"))
        #expect(Hex.string(key.authenticationCode(for: "probe")) == Hex.string(documented.authenticationCode(for: "probe")))
        let nextDay = AMZDate(date: Date(timeIntervalSince1970: 1_329_264_000 + 86_400))
        #expect(Hex.string(signer.signingKey(for: nextDay).authenticationCode(for: "probe"))
            != Hex.string(documented.authenticationCode(for: "probe")))
        #expect(cache.count == 2)
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).map { $0 <= UInt8(ascii: "9") ? $0 - UInt8(ascii: "0") : $0 - UInt8(ascii: "a") + 10 }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    @Test("HMAC-SHA256 matches RFC 4231 test cases 1, 2 and 6 (key longer than a block)")
    func rfc4231() {
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xAA, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ]
        for (key, message, expected) in cases {
            #expect(Hex.string(HMACSHA256(key: key).authenticationCode(for: message)) == expected)
        }
    }
}
