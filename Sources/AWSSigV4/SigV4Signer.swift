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
    /// Identifies the secret in `keyCache` without holding it there.
    let secretFingerprint: SecretFingerprint
    /// Where derived signing keys are kept between signers (`SigningKeyCache.shared`).
    let keyCache: SigningKeyCache

    public init(credentials: AWSCredentials, region: String, service: String, options: Options = .default) {
        self.init(credentials: credentials, region: region, service: service, options: options, keyCache: .shared)
    }

    /// Tests hand in a cache of their own to observe it without other tests' keys.
    init(credentials: AWSCredentials, region: String, service: String, options: Options, keyCache: SigningKeyCache) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.options = options
        self.scopeSuffix = "/\(region)/\(service)/aws4_request"
        self.secretKeyBytes = Array("AWS4\(credentials.secretAccessKey)".utf8)
        self.secretFingerprint = SecretFingerprint(secretKeyBytes: secretKeyBytes)
        self.keyCache = keyCache
    }

    /// The headers to set on the request: `X-Amz-Date`, `Authorization`, and when applicable
    /// `X-Amz-Security-Token` and `x-amz-content-sha256`.
    ///
    /// Any header of the same name already on the request is ignored while signing and must be
    /// replaced (not duplicated) by the caller; `signedRequest(_:date:)` does that.
    /// `Host` must already be in `request.headers` (the `URL` initializer adds it).
    public func signedHeaders(for request: SigV4Request, date: Date) -> [(name: String, value: String)] {
        var work = SigningBuffer(request: request, date: date)
        let authorization = authorization(request, in: &work)
        var result: [(name: String, value: String)] = []
        result.reserveCapacity(4)
        result.append(("X-Amz-Date", work.amzDate.timestamp))
        if options.addContentSHA256Header {
            result.append(("x-amz-content-sha256", request.payloadSHA256))
        }
        if let token = credentials.sessionToken {
            result.append(("X-Amz-Security-Token", token))
        }
        result.append(("Authorization", authorization))
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
        var work = SigningBuffer(request: request, date: date)
        appendCanonicalRequest(request, to: &work)
        appendStringToSign(to: &work)
        return work.string(work.stringToSign)
    }

    /// The string to sign for an already built canonical request.
    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        var work = SigningBuffer(amzDate: AMZDate(date: date), capacity: canonicalRequest.utf8.count + 160)
        work.bytes.append(contentsOf: canonicalRequest.utf8)
        work.canonicalRequestEnd = work.bytes.count
        appendStringToSign(to: &work)
        return work.string(work.stringToSign)
    }

    /// `yyyyMMdd/region/service/aws4_request`
    public func credentialScope(date: Date) -> String {
        AMZDate(date: date).dateStamp + scopeSuffix
    }

    /// The full `Authorization` header value for `request` signed at `date`.
    public func authorization(for request: SigV4Request, date: Date) -> String {
        var work = SigningBuffer(request: request, date: date)
        return authorization(request, in: &work)
    }

    /// Task 3 and 4: hex HMAC of `stringToSign` under the key derived for the date's day.
    /// Public so that chunked (streaming) S3 uploads can chain signatures with the same key.
    public func signature(stringToSign: String, date: Date) -> String {
        Hex.string(signingKey(for: AMZDate(date: date)).authenticationCode(for: stringToSign))
    }

    /// Tasks 1 to 4 in `work`'s buffer; returns the `Authorization` header value.
    func authorization(_ request: SigV4Request, in work: inout SigningBuffer) -> String {
        appendCanonicalRequest(request, to: &work)
        appendStringToSign(to: &work)
        let key = signingKey(for: work.amzDate)
        let signature = work.bytes.withUnsafeBytes { raw in
            key.authenticationCode(for: UnsafeRawBufferPointer(rebasing: raw[work.stringToSign]))
        }

        let names = work.signedHeaderNames
        var header: [UInt8] = []
        header.reserveCapacity(
            Self.algorithm.utf8.count + credentials.accessKeyID.utf8.count + scopeSuffix.utf8.count + names.count + 120
        )
        header.append(contentsOf: Self.algorithm.utf8)
        header.append(contentsOf: " Credential=".utf8)
        header.append(contentsOf: credentials.accessKeyID.utf8)
        header.append(UInt8(ascii: "/"))
        work.amzDate.appendDateStamp(to: &header)
        header.append(contentsOf: scopeSuffix.utf8)
        header.append(contentsOf: ", SignedHeaders=".utf8)
        header.append(contentsOf: work.bytes[names])
        header.append(contentsOf: ", Signature=".utf8)
        Hex.append(signature, to: &header)
        return String(decoding: header, as: UTF8.self)
    }

    /// Appends the string to sign after the canonical request, hashing the latter in place.
    func appendStringToSign(to work: inout SigningBuffer) {
        let digest = work.sha256(0..<work.canonicalRequestEnd)
        let start = work.bytes.count
        work.bytes.append(contentsOf: Self.algorithm.utf8)
        work.bytes.append(UInt8(ascii: "\n"))
        work.amzDate.appendTimestamp(to: &work.bytes)
        work.bytes.append(UInt8(ascii: "\n"))
        work.amzDate.appendDateStamp(to: &work.bytes)
        work.bytes.append(contentsOf: scopeSuffix.utf8)
        work.bytes.append(UInt8(ascii: "\n"))
        Hex.append(digest, to: &work.bytes)
        work.stringToSign = start..<work.bytes.count
    }

    /// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"),
    /// derived once per (secret, day, region, service) and then taken from `keyCache`.
    func signingKey(for amzDate: AMZDate) -> HMACSHA256 {
        let identity = SigningKeyCache.Key(secret: secretFingerprint, day: amzDate.day, region: region, service: service)
        return keyCache.signingKey(for: identity) {
            var stamp: [UInt8] = []
            stamp.reserveCapacity(8)
            amzDate.appendDateStamp(to: &stamp)
            var key = HMACSHA256(key: secretKeyBytes).authenticationCode(for: stamp)
            for part in [region, service, "aws4_request"] {
                key = key.withUnsafeBytes { HMACSHA256(key: $0) }.authenticationCode(for: part)
            }
            return key.withUnsafeBytes { HMACSHA256(key: $0) }
        }
    }
}
