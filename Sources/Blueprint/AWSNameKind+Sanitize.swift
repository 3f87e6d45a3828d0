/// Maps any string (a hostile branch name included) into a valid name of this kind.
///
/// Rules, in order:
/// 1. A name that is already valid is returned unchanged, so authors get exactly what they wrote.
/// 2. Otherwise every disallowed character becomes `-` (runs collapse), the ends are trimmed to what
///    the service accepts, the result is cut to fit, and `-` plus `StableHash.short(input)` of the
///    *original* input is appended. Sanitising is lossy (`feature/x` and `feature-x` look alike),
///    and so is truncation; the hash keeps distinct inputs distinct.
/// 3. Nothing left (e.g. a branch of emoji) gives `h` + hash, still valid and still distinct.
extension AWSNameKind {
    public func sanitize(_ input: String) -> String {
        if isValid(input) { return input }
        if self == .s3KeyPrefix { return sanitizePrefix(input) }
        let hash = StableHash.short(input)
        let budget = maxLength - hash.count - 2
        var body = Self.replacingDisallowed(in: input, lowercase: self == .s3Bucket, allowed: allowsInBody)
        body = Self.trimmed(body, keepFirst: allowsFirst, keepLast: { $0.isASCIIAlphanumeric })
        body = Self.trimmed(String(String.UnicodeScalarView(body.unicodeScalars.prefix(budget))),
                            keepFirst: allowsFirst, keepLast: { $0.isASCIIAlphanumeric })
        if self == .s3Bucket, Self.reservedBucketPrefixes.contains(where: body.hasPrefix) { body = "b" + body }
        return body.isEmpty ? "h" + hash : body + "-" + hash
    }

    /// Characters kept inside a sanitised name. S3 buckets lose their dots: a dotted bucket breaks
    /// virtual-hosted TLS, and without dots the IP-address and `..` rules cannot be broken.
    private func allowsInBody(_ scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .codePipeline: scalar.isASCIIAlphanumeric || ".@_-".unicodeScalars.contains(scalar)
        case .codeBuild: scalar.isASCIIAlphanumeric || scalar == "_" || scalar == "-"
        case .cloudFormationStack: scalar.isASCIIAlphanumeric || scalar == "-"
        case .s3Bucket: scalar.isLowercaseOrDigit || scalar == "-"
        case .s3KeyPrefix: scalar.isASCIIAlphanumeric || "._-".unicodeScalars.contains(scalar)
        }
    }

    private func allowsFirst(_ scalar: Unicode.Scalar) -> Bool {
        self == .cloudFormationStack ? scalar.isASCIILetter : scalar.isASCIIAlphanumeric
    }

    static func replacingDisallowed(in input: String, lowercase: Bool, allowed: (Unicode.Scalar) -> Bool) -> String {
        var output = String.UnicodeScalarView()
        for var scalar in input.unicodeScalars {
            if lowercase, ("A"..."Z").contains(scalar), let lower = Unicode.Scalar(scalar.value + 32) { scalar = lower }
            if !allowed(scalar) { scalar = "-" }
            if scalar == "-", output.last == "-" { continue }
            output.append(scalar)
        }
        return String(output)
    }

    static func trimmed(_ text: String, keepFirst: (Unicode.Scalar) -> Bool, keepLast: (Unicode.Scalar) -> Bool) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, !keepFirst(first) { scalars.removeFirst() }
        while let last = scalars.last, !keepLast(last) { scalars.removeLast() }
        return String(scalars)
    }

    /// Key prefixes are sanitised per `/` segment and always end in `/`, so deleting the prefix of
    /// `pr-1/` can never touch `pr-10/`.
    private func sanitizePrefix(_ input: String) -> String {
        if !input.hasSuffix("/"), isValid(input + "/") { return input + "/" }
        let hash = StableHash.short(input)
        let segments = input.split(separator: "/").map { segment in
            Self.trimmed(Self.replacingDisallowed(in: String(segment), lowercase: false, allowed: allowsInBody),
                         keepFirst: { $0 != "-" }, keepLast: { $0 != "-" })
        }.filter { !$0.isEmpty && !$0.unicodeScalars.allSatisfy { $0 == "." } }
        let joined = segments.joined(separator: "/")
        let body = Self.trimmed(String(String.UnicodeScalarView(joined.unicodeScalars.prefix(maxLength - hash.count - 3))),
                                keepFirst: { $0 != "/" }, keepLast: { $0 != "/" && $0 != "-" && $0 != "." })
        return (body.isEmpty ? "h" + hash : body + "-" + hash) + "/"
    }
}
