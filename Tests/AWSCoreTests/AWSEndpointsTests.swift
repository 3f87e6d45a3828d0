import HTTPTransport
import Foundation
import Testing

@testable import AWSCore

@Suite struct AWSEndpointsTests {
    let isolated = ["HOME": "/nonexistent-prenv-home", "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"]

    func environment(_ extra: [String: String]) -> [String: String] { isolated.merging(extra) { $1 } }

    @Test func defaultsToPublicRegionalEndpoints() throws {
        let endpoints = try AWSEndpoints.resolve(environment: environment([:]), region: "eu-west-1")
        #expect(endpoints.url(for: .codeBuild).absoluteString == "https://codebuild.eu-west-1.amazonaws.com")
        #expect(endpoints.url(for: .sts).absoluteString == "https://sts.eu-west-1.amazonaws.com")
        #expect(!endpoints.isCustom(.s3))
    }

    @Test func serviceSpecificOverrideWinsOverShared() throws {
        let endpoints = try AWSEndpoints.resolve(
            environment: environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]), region: "us-east-1")
        #expect(endpoints.url(for: .s3).absoluteString == "http://127.0.0.1:9000")
        #expect(endpoints.url(for: .codePipeline).absoluteString == "http://127.0.0.1:4566")
        #expect(endpoints.isCustom(.cloudFormation))
    }

    @Test func ignoreConfiguredEndpointsDisablesOverrides() throws {
        let endpoints = try AWSEndpoints.resolve(
            environment: environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"]), region: "us-east-1")
        #expect(!endpoints.isCustom(.sts))
    }

    @Test func invalidOverrideIsAnErrorNotASilentFallbackToAWS() {
        #expect(throws: AWSConfigurationError.self) {
            try AWSEndpoints.resolve(environment: environment(["AWS_ENDPOINT_URL_CODEBUILD": "localhost:4566"]), region: "us-east-1")
        }
    }

    @Test func regionPrecedenceAndValidation() throws {
        #expect(try AWSRegion.resolve(environment: environment(["AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"])).name == "eu-central-1")
        #expect(try AWSRegion.resolve(environment: environment(["AWS_DEFAULT_REGION": "us-west-2"])).source == "AWS_DEFAULT_REGION")
        #expect(throws: AWSConfigurationError.self) { try AWSRegion.resolve(environment: environment(["AWS_REGION": "evil.com/x"])) }
        #expect(throws: AWSConfigurationError.self) { try AWSRegion.resolve(environment: environment([:])) }
    }

    @Test func regionFromProfile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prenv-region-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config")
        try "[default]\nregion = ap-southeast-2\n\n[profile ci]\nregion = sa-east-1\n".write(to: config, atomically: true, encoding: .utf8)
        let base = environment(["AWS_CONFIG_FILE": config.path])
        #expect(try AWSRegion.resolve(environment: base).name == "ap-southeast-2")
        let ci = try AWSRegion.resolve(environment: base.merging(["AWS_PROFILE": "ci"]) { $1 })
        #expect(ci.name == "sa-east-1")
        #expect(ci.source == "profile ci")
    }

    @Test func s3AddressingIsPathStyleForCustomEndpointsAndVirtualHostedOnAWS() {
        let local = AWSClient(
            region: "us-east-1", endpoints: AWSEndpoints(region: "us-east-1", everyService: URL(string: "http://127.0.0.1:4566")!),
            credentialProvider: NoCredentials())
        #expect(local.s3URL(.s3, bucket: "my-bucket", key: "a b/c+d", query: []).absoluteString == "http://127.0.0.1:4566/my-bucket/a%20b/c%2Bd")
        let aws = AWSClient(region: "eu-west-1", endpoints: AWSEndpoints(region: "eu-west-1"), credentialProvider: NoCredentials())
        #expect(aws.s3URL(.s3, bucket: "my-bucket", key: "k", query: [("list-type", "2"), ("prefix", "")]).absoluteString
            == "https://my-bucket.s3.eu-west-1.amazonaws.com/k?list-type=2&prefix=")
        #expect(aws.s3URL(.s3, bucket: "dotted.bucket", key: nil, query: [("delete", nil)]).absoluteString
            == "https://s3.eu-west-1.amazonaws.com/dotted.bucket?delete")
    }

    @Test func queryParametersAreFlattenedAndRFC3986Encoded() {
        var query = AWSQueryParameters()
        query["StackName"] = "a b&c"
        query.setStructures("Parameters", [[("ParameterKey", "K"), ("ParameterValue", "v=1/2~")]])
        query.setList("Capabilities", ["CAPABILITY_IAM"])
        #expect(query.encoded() == "StackName=a%20b%26c&Parameters.member.1.ParameterKey=K&Parameters.member.1.ParameterValue=v%3D1%2F2~&Capabilities.member.1=CAPABILITY_IAM")
    }
}

import AWSCredentialProviders

struct NoCredentials: CredentialProvider {
    let name = "none"
    func credentials() async throws -> AWSCredentials { AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret") }
}
