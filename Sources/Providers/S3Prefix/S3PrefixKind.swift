import Blueprint

extension ResourceType {
    public static let s3Prefix: ResourceType = "aws/s3-prefix"
}

extension ProviderKind {
    /// `aws/s3-prefix`: see `S3PrefixProvider`.
    public static let s3Prefix = ProviderKind(
        resource: ResourceKind(
            type: .s3Prefix,
            summary: """
            A key prefix in a bucket, holding the PR's artifacts. Deleting the environment deletes every
            object under the prefix (and the bucket too, if prenv created it).
            """,
            properties: [
                .string("bucket", required: true, name: .sanitized(.s3Bucket), "An S3 bucket name (name rules below)."),
                .string("prefix", required: true, name: .sanitized(.s3KeyPrefix), "A key prefix (name rules below). Always ends in `/` once rendered."),
                PropertySchema(name: "create_bucket", kind: .bool, defaultValue: "false",
                               summary: "Create the bucket if missing, and delete it with the environment. Leave `false` for a shared bucket."),
            ],
            outputs: OutputSchema(fixed: ["bucket", "prefix", "uri"], summary: "`bucket`, `prefix` (rendered, ends in `/`), `uri` (`s3://<bucket>/<prefix>`)."),
            // The prefix *is* the resource: another bucket or prefix is another resource.
            immutableProperties: ["bucket", "prefix"]
        ),
        makeProvider: { S3PrefixProvider(client: $0.client) },
        makeDiscovery: { S3PrefixDiscovery(client: $0.client) }
    )
}

extension NamingRule {
    static let reservedBucketPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"]
    static let reservedBucketSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]

    /// S3's bucket rule. Sanitised buckets lose their dots: a dotted bucket breaks virtual-hosted TLS,
    /// and without dots the IP-address and `..` rules cannot be broken.
    public static let s3Bucket = NamingRule(
        noun: "S3 bucket name",
        rule: "3–63 characters from [a-z0-9.-], starting and ending with a letter or digit, without `..`, not shaped like an IP address",
        maxLength: 63,
        isValid: { name in
            let scalars = Array(name.unicodeScalars)
            guard (3...63).contains(scalars.count), let first = scalars.first, let last = scalars.last else { return false }
            return scalars.allSatisfy { isLowercaseOrDigit($0) || $0 == "." || $0 == "-" }
                && isLowercaseOrDigit(first) && isLowercaseOrDigit(last)
                && !name.contains("..") && !looksLikeIPAddress(name)
                && !reservedBucketPrefixes.contains(where: name.hasPrefix)
                && !reservedBucketSuffixes.contains(where: name.hasSuffix)
        },
        sanitize: { input in
            let name = hashedSanitize(input, maxLength: 63, lowercase: true, allowed: { isLowercaseOrDigit($0) || $0 == "-" },
                                      first: isASCIIAlphanumeric)
            // The body was cut one character short of the limit, so the `b` always fits.
            return reservedBucketPrefixes.contains(where: name.hasPrefix) ? "b" + name : name
        }
    )

    /// Object key prefixes prenv will own. Sanitised per `/` segment and always ending in `/`, so
    /// deleting the prefix of `pr-1/` can never touch `pr-10/`.
    public static let s3KeyPrefix = NamingRule(
        noun: "S3 key prefix",
        rule: "up to 512 characters from [A-Za-z0-9._/-], not starting with `/`, without empty, `.` or `..` segments, ending with `/` (added when missing)",
        maxLength: 512,
        isValid: isValidKeyPrefix,
        sanitize: { input in
            // The trailing `/` alone is not a change: `a/b` and `a/b/` name the same keys.
            if !input.hasSuffix("/"), isValidKeyPrefix(input + "/"), !StableHash.endsLikeNameSuffix(input) { return input + "/" }
            let hash = StableHash.nameSuffix(input)
            let segments = input.split(separator: "/").map { segment in
                trimmed(replacingDisallowed(in: String(segment), lowercase: false, allowed: { isASCIIAlphanumeric($0) || "._-".unicodeScalars.contains($0) }),
                        keepFirst: { $0 != "-" }, keepLast: { $0 != "-" })
            }.filter { !$0.isEmpty && !$0.unicodeScalars.allSatisfy { $0 == "." } }
            let joined = segments.joined(separator: "/")
            let body = trimmed(String(String.UnicodeScalarView(joined.unicodeScalars.prefix(512 - hash.count - 3))),
                               keepFirst: { $0 != "/" }, keepLast: { $0 != "/" && $0 != "-" && $0 != "." })
            return (body.isEmpty ? "h" + hash : body + "-" + hash) + "/"
        },
        completeLiteral: { $0.hasSuffix("/") ? $0 : $0 + "/" }
    )

    @Sendable static func isValidKeyPrefix(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (1...512).contains(scalars.count), let first = scalars.first, let last = scalars.last else { return false }
        let segments = name.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        return first != "/" && last == "/"
            && scalars.allSatisfy { isASCIIAlphanumeric($0) || "._/-".unicodeScalars.contains($0) }
            && segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    static func looksLikeIPAddress(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }
}
