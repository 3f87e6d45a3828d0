import Crypto
import Foundation

/// AWS Signature Version 4 (header-based, `AWS4-HMAC-SHA256`) as a pure value type.
///
/// The signing time is always a parameter: there is no clock inside, so results are
/// reproducible and the caller decides how to correct for clock skew.
public struct SigV4Signer: Sendable {
    /// Service-specific deviations from the generic algorithm.
    public struct Options: Sendable, Equatable {
        /// Remove `.`/`..` and empty path segments. S3: `false` (keys may contain them).
        public var normalizePath: Bool
        /// Canonical URI = each segment of the (already encoded) path URI-encoded again.
        /// S3: `false`, the path is encoded exactly once.
        public var doubleEncodePath: Bool
        /// Add and sign `x-amz-content-sha256` (required by S3).
        public var addContentSHA256Header: Bool
        /// `true`: `X-Amz-Security-Token` is added before signing and therefore signed.
        /// `false`: it is added after signing (for services that want it unsigned).
        public var signSessionToken: Bool
        /// Lower-case header names left out of the signature because proxies and HTTP clients
        /// may add or rewrite them (the AWS SDKs skip the same ones).
        public var unsignedHeaderNames: Set<String>

        public init(
            normalizePath: Bool = true,
            doubleEncodePath: Bool = true,
            addContentSHA256Header: Bool = false,
            signSessionToken: Bool = true,
            unsignedHeaderNames: Set<String> = Options.defaultUnsignedHeaderNames
        ) {
            self.normalizePath = normalizePath
            self.doubleEncodePath = doubleEncodePath
            self.addContentSHA256Header = addContentSHA256Header
            self.signSessionToken = signSessionToken
            self.unsignedHeaderNames = unsignedHeaderNames
        }

        public static let defaultUnsignedHeaderNames: Set<String> = [
            "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding", "connection",
        ]
        /// Normalize, double-encode, no content header, sign the token.
        public static let `default` = Options()
        /// No normalization, single encoding, `x-amz-content-sha256` added and signed.
        public static let s3 = Options(normalizePath: false, doubleEncodePath: false, addContentSHA256Header: true)
    }

    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    public let options: Options
    /// `/region/service/aws4_request`, precomputed because every signature needs it.
    let scopeSuffix: String
    /// `"AWS4" + secret`, the HMAC key of the first derivation step.
    let secretKeyBytes: [UInt8]

    public init(credentials: AWSCredentials, region: String, service: String, options: Options = .default) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
        self.scopeSuffix = "/\(region)/\(service)/aws4_request"
        self.secretKeyBytes = Array("AWS4\(credentials.secretAccessKey)".utf8)
    }

    /// The headers to set on the request: `X-Amz-Date`, `Authorization`, and when applicable
    /// `X-Amz-Security-Token` and `x-amz-content-sha256`.
    ///
    /// Any header of the same name already on the request is ignored while signing and must be
    /// replaced (not duplicated) by the caller; `signedRequest(_:date:)` does that.
    /// `Host` must already be in `request.headers` (the `URL` initializer adds it).
    public func signedHeaders(for request: SigV4Request, date: Date) -> [(name: String, value: String)] {
        let material = signingMaterial(for: request, date: date)
        var result: [(name: String, value: String)] = [("X-Amz-Date", material.amzDate.timestamp)]
        if options.addContentSHA256Header {
            result.append(("x-amz-content-sha256", request.payloadSHA256))
        }
        if let token = credentials.sessionToken {
            result.append(("X-Amz-Security-Token", token))
        }
        result.append(("Authorization", authorization(material)))
        return result
    }

    /// `request` with the result of `signedHeaders(for:date:)` merged in, replacing stale copies.
    public func signedRequest(_ request: SigV4Request, date: Date) -> SigV4Request {
        let added = signedHeaders(for: request, date: date)
        let replaced = Set(added.map { $0.name.lowercased() })
        var signed = request
        signed.headers = request.headers.filter { !replaced.contains($0.name.lowercased()) } + added
        return signed
    }
}

// MARK: Tasks 2 to 4: string to sign, signing key, signature

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

/// Lower-case hex rendering of digests and MACs, as SigV4 requires.
enum Hex {
    private static let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(lowerHex[Int(byte >> 4)])
            output.append(lowerHex[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}
