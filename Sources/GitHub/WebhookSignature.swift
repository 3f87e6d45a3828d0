import Crypto
import Foundation

/// Verifies `X-Hub-Signature-256` so that only GitHub (holder of the webhook secret) can drive prenv.
/// The HMAC covers the raw body bytes: verify before decoding, never a re-encoded copy.
public enum WebhookSignature {
    /// The header GitHub puts the SHA-256 signature in.
    public static let headerName = "X-Hub-Signature-256"

    /// Why a delivery was accepted or refused; typed so the server can log and answer precisely.
    public enum Result: Sendable, Equatable {
        case valid
        /// No `X-Hub-Signature-256` header (unsigned hook, or one configured without a secret).
        case missingHeader
        /// The header is not `sha256=` followed by 64 hex digits.
        case malformedHeader
        /// Well-formed but wrong: another secret, or a body altered on the way.
        case mismatch

        public var isValid: Bool { self == .valid }
    }

    /// Checks `header` against HMAC-SHA256(secret, body) in constant time.
    public static func verify(body: some DataProtocol, header: String?, secret: some DataProtocol) -> Result {
        guard let header else { return .missingHeader }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("sha256="), let digest = hexBytes(trimmed.dropFirst("sha256=".count)), digest.count == 32 else {
            return .malformedHeader
        }
        let key = SymmetricKey(data: Data(secret))
        // Crypto compares authentication codes in constant time.
        return HMAC<SHA256>.isValidAuthenticationCode(digest, authenticating: Data(body), using: key) ? .valid : .mismatch
    }

    /// The header value GitHub would send for `body`; used by tests and by anything that re-signs.
    public static func sign(body: some DataProtocol, secret: some DataProtocol) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body), using: SymmetricKey(data: Data(secret)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Hex (either case) to bytes; nil on odd length or a non-hex digit.
    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
