import Crypto
import Foundation

extension SigV4Signer {
    static let algorithm = "AWS4-HMAC-SHA256"

    /// Task 2: algorithm, timestamp, credential scope and the hex SHA-256 of the canonical request.
    public func stringToSign(for request: SigV4Request, date: Date) -> String {
        stringToSign(canonicalRequest: canonicalRequest(for: request, date: date), date: date)
    }

    /// The string to sign for an already built canonical request.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        stringToSign(canonicalRequest: canonicalRequest, amzDate: AMZDate(date: date))
    }

    /// `yyyyMMdd/region/service/aws4_request`
    public func credentialScope(date: Date) -> String {
        AMZDate(date: date).dateStamp + scopeSuffix
    }

    /// The full `Authorization` header value for `request` signed at `date`.
    public func authorization(for request: SigV4Request, date: Date) -> String {
        authorization(signingMaterial(for: request, date: date))
    }

    /// Task 3 and 4: hex HMAC of `stringToSign` under the key derived for the date's day.
    /// Public so that chunked (streaming) S3 uploads can chain signatures with the same key.
    public func signature(stringToSign: String, date: Date) -> String {
        signature(stringToSign: stringToSign, dateStamp: AMZDate(date: date).dateStamp)
    }

    func authorization(_ material: SigningMaterial) -> String {
        let stamp = material.amzDate.dateStamp
        let toSign = stringToSign(canonicalRequest: material.canonicalRequest, amzDate: material.amzDate)
        let signature = signature(stringToSign: toSign, dateStamp: stamp)
        return "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(stamp)\(scopeSuffix), "
            + "SignedHeaders=\(material.signedHeaderNames), Signature=\(signature)"
    }

    func stringToSign(canonicalRequest: String, amzDate: AMZDate) -> String {
        let digest = SHA256.hash(data: Array(canonicalRequest.utf8))
        return "\(Self.algorithm)\n\(amzDate.timestamp)\n\(amzDate.dateStamp)\(scopeSuffix)\n\(Hex.encode(digest))"
    }

    func signature(stringToSign: String, dateStamp: String) -> String {
        let key = signingKey(dateStamp: dateStamp)
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
    func signingKey(dateStamp: String) -> SymmetricKey {
        var key = SymmetricKey(data: secretKeyBytes)
        for part in [dateStamp, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }
}
