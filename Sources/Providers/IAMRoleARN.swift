import Blueprint

extension NamingRule {
    /// An IAM role's ARN, as `service_role` (CodeBuild) and `role_arn` (CloudFormation) name one. A
    /// role is something that already exists and that the resource then acts as, so these properties
    /// are `.existing`: a literal is checked at load, and a repository blueprint may name only roles
    /// its `allow_templates` lists (a role is the most powerful thing a blueprint can point at).
    public static let iamRoleARN = NamingRule(
        noun: "IAM role ARN",
        rule: "arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, with a 12-digit account and a name of [A-Za-z0-9+=,.@_-/]",
        maxLength: 2048,
        isValid: { value in
            let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
                  parts[4].count == 12, parts[4].allSatisfy(\.isASCIIDigitCharacter), parts[5].hasPrefix("role/") else { return false }
            let path = parts[5].dropFirst("role/".count)
            return (1...512).contains(path.count) && !path.hasSuffix("/")
                && path.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+=,.@_-/".unicodeScalars.contains($0)) }
        },
        // Never called: an existing name is checked, not rewritten.
        sanitize: { $0 }
    )
}

private extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
