/// The AWS naming rules this project must respect, one case per kind of name.
///
/// `isValid` encodes the service's documented rule; `sanitize` (in `AWSNameKind+Sanitize.swift`)
/// maps any string into it.
public enum AWSNameKind: String, CaseIterable, Sendable, Hashable {
    case codePipeline
    case codeBuild
    case cloudFormationStack
    case s3Bucket
    case s3KeyPrefix

    public var maxLength: Int {
        switch self {
        case .codePipeline: 100
        case .codeBuild: 255
        case .cloudFormationStack: 128
        case .s3Bucket: 63
        case .s3KeyPrefix: 512
        }
    }

    var minLength: Int {
        switch self {
        case .codeBuild: 2
        case .s3Bucket: 3
        case .codePipeline, .cloudFormationStack, .s3KeyPrefix: 1
        }
    }

    /// What the name is, for messages.
    public var noun: String {
        switch self {
        case .codePipeline: "CodePipeline pipeline name"
        case .codeBuild: "CodeBuild project name"
        case .cloudFormationStack: "CloudFormation stack name"
        case .s3Bucket: "S3 bucket name"
        case .s3KeyPrefix: "S3 key prefix"
        }
    }

    /// The rule in words, as quoted in diagnostics and the README.
    public var rule: String {
        switch self {
        case .codePipeline: "1–100 characters from [A-Za-z0-9.@_-]"
        case .codeBuild: "2–255 characters matching [A-Za-z0-9][A-Za-z0-9_-]*"
        case .cloudFormationStack: "1–128 characters matching [a-zA-Z][-a-zA-Z0-9]*"
        case .s3Bucket: "3–63 characters from [a-z0-9.-], starting and ending with a letter or digit, without `..`, not shaped like an IP address"
        case .s3KeyPrefix: "up to 512 characters from [A-Za-z0-9._/-], not starting with `/`, without empty, `.` or `..` segments, ending with `/` (added when missing)"
        }
    }

    /// Whether `name` already satisfies the rule.
    public func isValid(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard (minLength...maxLength).contains(scalars.count), let first = scalars.first, let last = scalars.last else {
            return false
        }
        switch self {
        case .codePipeline:
            return scalars.allSatisfy { $0.isASCIIAlphanumeric || ".@_-".unicodeScalars.contains($0) }
        case .codeBuild:
            return first.isASCIIAlphanumeric && scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "_" || $0 == "-" }
        case .cloudFormationStack:
            return first.isASCIILetter && scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "-" }
        case .s3Bucket:
            return scalars.allSatisfy { $0.isLowercaseOrDigit || $0 == "." || $0 == "-" }
                && first.isLowercaseOrDigit && last.isLowercaseOrDigit
                && !name.contains("..") && !Self.looksLikeIPAddress(name)
                && !Self.reservedBucketPrefixes.contains(where: name.hasPrefix)
                && !Self.reservedBucketSuffixes.contains(where: name.hasSuffix)
        case .s3KeyPrefix:
            let segments = name.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            return first != "/" && last == "/"
                && scalars.allSatisfy { $0.isASCIIAlphanumeric || "._/-".unicodeScalars.contains($0) }
                && segments.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
        }
    }

    static let reservedBucketPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"]
    static let reservedBucketSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"]

    static func looksLikeIPAddress(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIIAlphanumeric: Bool { isASCIILetter || isASCIIDigit }
    var isLowercaseOrDigit: Bool { ("a"..."z").contains(self) || isASCIIDigit }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
