import Crypto
import Foundation
import Orchestrator

/// The hidden marker that lets prenv find its sticky comment again when the store lost its id:
/// `<!-- prenv:comment v1 <hex HMAC> -->` as the comment's first line.
///
/// Anyone can post a comment, markers included, and editing a comment prenv did not write would
/// overwrite someone else's words. So the marker carries an HMAC-SHA256 of the environment's
/// (repository, PR, blueprint), keyed from a secret only prenv holds (derived from the webhook
/// secret with HKDF, so the MAC key is never the webhook secret itself): a marker cannot be forged
/// for an environment, nor moved from one PR or blueprint to another. A comment that copies prenv's
/// own marker word for word is told apart by its author (`EnvironmentPresence` requires prenv's
/// login when known, and otherwise takes the oldest match: prenv's original predates any copy).
public struct PRCommentMarker: Sendable {
    /// The derived key's bytes (`SymmetricKey` is not `Sendable`).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// - Parameter secret: prenv's webhook secret.
    public init(secret: String) {
        keyBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)),
                                     salt: Data("prenv".utf8), info: Data("prenv sticky comment marker v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
    }

    static let prefix = "<!-- prenv:comment v1 "
    static let suffix = " -->"

    /// The marker line for `key`.
    public func marker(for environment: EnvironmentKey) -> String {
        Self.prefix + mac(environment).map { String(format: "%02x", $0) }.joined() + Self.suffix
    }

    /// Whether `body` starts with a genuine marker for `environment` (compared in constant time).
    public func isMarked(_ body: String, for environment: EnvironmentKey) -> Bool {
        guard body.hasPrefix(Self.prefix) else { return false }
        let rest = body.dropFirst(Self.prefix.count)
        guard let end = rest.range(of: Self.suffix) else { return false }
        let hex = rest[..<end.lowerBound]
        guard hex.count == 64, let given = Self.bytes(hex) else { return false }
        // HMAC's own comparison is constant time.
        return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: Self.message(environment), using: key)
    }

    private func mac(_ environment: EnvironmentKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(environment), using: key))
    }

    /// Unambiguous: the parts are joined by a NUL, which none of them can contain; the repository
    /// lowercased because GitHub's names are case-insensitive.
    static func message(_ environment: EnvironmentKey) -> Data {
        Data([environment.repository.lowercased(), String(environment.pr), environment.blueprint].joined(separator: "\u{0}").utf8)
    }

    static func bytes(_ hex: Substring) -> [UInt8]? {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            result.append(byte)
            index = next
        }
        return result
    }
}
