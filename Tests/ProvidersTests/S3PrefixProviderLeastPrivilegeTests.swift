import AWSCore
import AWSServices
import Foundation
import LocalAWSSupport
import Orchestrator
import Testing

@testable import Providers

/// The overlap checks under a policy like the shipped one: `s3:ListBucket` on the bucket, object
/// access only under environment prefixes (`*/pr-*/*`), enforced per key by the local endpoint.
@Suite struct S3PrefixProviderLeastPrivilegeTests {
    static let iam = AWSService(
        name: "iam", signingName: "iam", endpointPrefix: "iam", endpointEnvironmentID: "IAM",
        wireProtocol: .query(apiVersion: "2010-05-08", xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/"))

    /// A user whose only S3 rights are those of `infra/iam/prenv-policy.json`'s artifact statements.
    static func restrictedProvider(bucket: String) async throws -> (provider: S3PrefixProvider, accessKey: String) {
        let admin = LocalAWS.client()
        let user = LocalAWS.uniqueName("prenv-s3-lp")
        let policy = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::\(bucket)"},
              {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::\(bucket)/*/pr-*/*"}]}
            """
        var parameters = AWSQueryParameters()
        parameters["UserName"] = user
        _ = try await admin.query(iam, "CreateUser", parameters)
        parameters["PolicyName"] = user
        parameters["PolicyDocument"] = policy
        _ = try await admin.query(iam, "PutUserPolicy", parameters)
        parameters = AWSQueryParameters()
        parameters["UserName"] = user
        let key = try await admin.query(iam, "CreateAccessKey", parameters)
        let id = try #require(key.child("AccessKey")?.child("AccessKeyId")?.text)
        let secret = try #require(key.child("AccessKey")?.child("SecretAccessKey")?.text)
        try await LocalAWS.admin("POST", "/_prenv/iam/enforce", ["access_key_id": id])
        let client = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: id, secret: secret))
        return (S3PrefixProvider(client: client), id)
    }

    static func denials(_ accessKey: String) async throws -> [[String: Any]] {
        let state = try await LocalAWS.admin("GET", "/_prenv/iam/enforce?access_key_id=\(accessKey)")
        let decisions = state["decisions"] as? [String: [String: Any]] ?? [:]
        return decisions[accessKey]?["denied"] as? [[String: Any]] ?? []
    }

    @Test func ancestorsAreProbedByListingSoNoObjectReadOutsideThePrefixIsNeeded() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let (provider, accessKey) = try await Self.restrictedProvider(bucket: world.bucket)
        let properties = world.properties(prefix: "webapp/pr-7/")
        let result = try await provider.apply(world.request(properties))
        try await provider.destroy(world.record(properties, result), context: world.context, progress: { _ in })
        #expect(try await Self.denials(accessKey).isEmpty)
        #expect(try await world.keys().isEmpty)
    }

    @Test func anAncestorMarkerPrenvMayNotReadIsRefused() async throws {
        let world = try await S3PrefixHarness.withBucket()
        let (provider, accessKey) = try await Self.restrictedProvider(bucket: world.bucket)
        let outer = S3PrefixHarness(env: "outer-env")
        try await world.seeder.putObject(bucket: world.bucket, key: "webapp/.prenv-environment.json",
                                         body: S3PrefixMarker(tags: outer.context.tags).body)
        let error = await #expect(throws: ProviderError.self) { try await provider.apply(world.request(world.properties(prefix: "webapp/pr-7/"))) }
        #expect(error.map(String.init(describing:))?.contains(
            "lies inside s3://\(world.bucket)/webapp/, whose marker is unreadable (prenv may not read it: AccessDenied)") == true)
        #expect(try await Self.denials(accessKey).count == 1)
        #expect(try await world.keys() == ["webapp/.prenv-environment.json"])
    }
}
