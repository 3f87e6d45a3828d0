/// How a service is reached and spoken to; one value per AWS service prenv calls.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    /// Short lowercase name used in errors, logs, metrics and rate limits ("codebuild").
    public let name: String
    /// The service name in the SigV4 credential scope.
    public let signingName: String
    /// The host label of the default endpoint: `https://<prefix>.<region>.amazonaws.com`.
    public let endpointPrefix: String
    /// The SDKs' service id, used for `AWS_ENDPOINT_URL_<ID>` overrides.
    public let endpointEnvironmentID: String
    public let wireProtocol: AWSWireProtocol

    public init(name: String, signingName: String, endpointPrefix: String, endpointEnvironmentID: String, wireProtocol: AWSWireProtocol) {
        self.name = name
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
        self.endpointEnvironmentID = endpointEnvironmentID
        self.wireProtocol = wireProtocol
    }

    public var description: String { name }
}

/// The three wire protocols prenv speaks, chosen per service; the request helper for each is in `AWSClient+Protocols.swift`.
public enum AWSWireProtocol: Sendable, Hashable {
    /// JSON 1.1: POST `/`, `X-Amz-Target: <targetPrefix>.<Operation>`.
    case json(targetPrefix: String)
    /// Query: form-encoded POST with `Action` and `Version`, XML responses.
    case query(apiVersion: String, xmlNamespace: String)
    /// REST-XML (S3): the operation lives in method, path and query.
    case restXML
}

extension AWSService {
    public static let codeBuild = AWSService(
        name: "codebuild", signingName: "codebuild", endpointPrefix: "codebuild",
        endpointEnvironmentID: "CODEBUILD", wireProtocol: .json(targetPrefix: "CodeBuild_20161006"))
    public static let codePipeline = AWSService(
        name: "codepipeline", signingName: "codepipeline", endpointPrefix: "codepipeline",
        endpointEnvironmentID: "CODEPIPELINE", wireProtocol: .json(targetPrefix: "CodePipeline_20150709"))
    public static let cloudFormation = AWSService(
        name: "cloudformation", signingName: "cloudformation", endpointPrefix: "cloudformation",
        endpointEnvironmentID: "CLOUDFORMATION",
        wireProtocol: .query(apiVersion: "2010-05-15", xmlNamespace: "http://cloudformation.amazonaws.com/doc/2010-05-15/"))
    public static let sts = AWSService(
        name: "sts", signingName: "sts", endpointPrefix: "sts", endpointEnvironmentID: "STS",
        wireProtocol: .query(apiVersion: "2011-06-15", xmlNamespace: "https://sts.amazonaws.com/doc/2011-06-15/"))
    /// Resource Groups Tagging API: finds resources by tag across services (orphan hunting).
    public static let tagging = AWSService(
        name: "tagging", signingName: "tagging", endpointPrefix: "tagging",
        endpointEnvironmentID: "RESOURCE_GROUPS_TAGGING_API", wireProtocol: .json(targetPrefix: "ResourceGroupsTaggingAPI_20170126"))
    public static let s3 = AWSService(
        name: "s3", signingName: "s3", endpointPrefix: "s3", endpointEnvironmentID: "S3", wireProtocol: .restXML)

    /// Every service prenv uses, for `prenv doctor` and configuration listings.
    public static let all: [AWSService] = [.sts, .s3, .codeBuild, .codePipeline, .cloudFormation, .tagging]
}
