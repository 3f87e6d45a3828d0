import Foundation

/// A resource's page in the AWS console, for the PR comment's table: the region from prenv's own
/// AWS settings, the name as the provider recorded it. Every value is percent-encoded into its
/// component, and the host is AWS's, so a name cannot lead elsewhere.
public enum AWSConsoleLink {
    /// Nil for an unknown type, a missing name, or a region that is not an AWS region's shape.
    public static func url(type: String, physicalName: String?, region: String?) -> URL? {
        guard let name = physicalName, !name.isEmpty, let region, isRegion(region) else { return nil }
        let encodedRegion = encode(region)
        switch type {
        case "aws/s3-prefix":
            // Recorded as `s3://bucket/prefix/`.
            let path = name.hasPrefix("s3://") ? String(name.dropFirst(5)) : name
            let bucket = path.prefix { $0 != "/" }
            let prefix = path.dropFirst(bucket.count + 1)
            return URL(string: "https://s3.console.aws.amazon.com/s3/buckets/\(encode(String(bucket)))?region=\(encodedRegion)&prefix=\(encode(String(prefix)))")
        case "aws/codebuild-project":
            return URL(string: "https://\(region).console.aws.amazon.com/codesuite/codebuild/projects/\(encode(name))/history?region=\(encodedRegion)")
        case "aws/codepipeline":
            return URL(string: "https://\(region).console.aws.amazon.com/codesuite/codepipeline/pipelines/\(encode(name))/view?region=\(encodedRegion)")
        case "aws/cloudformation-stack":
            return URL(string: "https://\(region).console.aws.amazon.com/cloudformation/home?region=\(encodedRegion)#/stacks?filteringText=\(encode(name))")
        default:
            return nil
        }
    }

    /// `us-east-1`, `eu-central-2`, `us-gov-west-1`: lowercase letters, digits and dashes only.
    static func isRegion(_ region: String) -> Bool {
        !region.isEmpty && region.count <= 32 && region.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded.
    static func encode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
