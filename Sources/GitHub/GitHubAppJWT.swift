import _CryptoExtras
import Foundation

/// The JSON Web Token a GitHub App signs to speak as itself (RS256: RSASSA-PKCS1-v1_5 with SHA-256).
/// GitHub accepts at most 10 minutes between `iat` and `exp`; `iat` is set 60 s in the past so a
/// clock a little ahead of GitHub's does not make the token "issued in the future".
public struct GitHubAppJWT: Sendable {
    public let appID: Int
    let key: GitHubAppKey
    /// How far in the past `iat` is set.
    public static let issuedBefore: TimeInterval = 60
    /// How long after now the token expires (`exp - iat` = 10 minutes, GitHub's maximum).
    public static let lifetime: TimeInterval = 9 * 60

    public init(appID: Int, key: GitHubAppKey) {
        self.appID = appID
        self.key = key
    }

    /// `header.payload.signature`, each base64url without padding.
    public func token(now: Date) throws -> String {
        let seconds = Int(now.timeIntervalSince1970.rounded(.down))
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let payload = #"{"iat":\#(seconds - Int(Self.issuedBefore)),"exp":\#(seconds + Int(Self.lifetime)),"iss":\#(appID)}"#
        let signingInput = Self.base64URL(Data(header.utf8)) + "." + Self.base64URL(Data(payload.utf8))
        let signature = try key.key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
