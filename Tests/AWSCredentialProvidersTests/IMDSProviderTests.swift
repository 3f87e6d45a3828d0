@testable import AWSCredentialProviders
import HTTPTransport
import Foundation
import Testing

@Suite("IMDSCredentialProvider")
struct IMDSProviderTests {
    static let document = ["Code": "Success", "AccessKeyId": "AKIDIMDS", "SecretAccessKey": "imds-secret",
                           "Token": "imds-token", "Expiration": "2030-01-01T00:00:00Z"]

    /// A well-behaved IMDSv2 in memory, to check the exact request sequence and headers.
    static func imdsStub() -> StubTransport {
        StubTransport { request in
            switch (request.method, request.url.absoluteString.replacingOccurrences(of: "http://169.254.169.254", with: "")) {
            case ("PUT", "/latest/api/token"):
                return request.headers["X-aws-ec2-metadata-token-ttl-seconds"] == "21600"
                    ? HTTPResponse(status: 200, body: Data("session-token".utf8)) : HTTPResponse(status: 400)
            case ("GET", _) where request.headers["X-aws-ec2-metadata-token"] != "session-token":
                return HTTPResponse(status: 401)
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return HTTPResponse(status: 200, body: Data("my-role\nsecond-role\n".utf8))
            case ("GET", "/latest/meta-data/iam/security-credentials/my-role"):
                return jsonResponse(document)
            default:
                return HTTPResponse(status: 404)
            }
        }
    }

    @Test func followsTheIMDSv2Sequence() async throws {
        let stub = Self.imdsStub()
        let provider = IMDSCredentialProvider(environment: [:], transport: stub)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "AKIDIMDS" && credentials.sessionToken == "imds-token")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
        #expect(stub.requests.map { "\($0.method) \($0.url.absoluteString)" } == [
            "PUT http://169.254.169.254/latest/api/token",
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role",
        ])
        #expect(stub.requests.allSatisfy { $0.timeout == .seconds(1) })
    }

    @Test func endpointSelection() {
        #expect(IMDSCredentialProvider(environment: [:]).endpoint == "http://169.254.169.254")
        #expect(IMDSCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"]).endpoint == "http://[fd00:ec2::254]")
        #expect(IMDSCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9/"]).endpoint == "http://127.0.0.1:9")
    }

    @Test func disabledByEnvironment() async {
        let stub = Self.imdsStub()
        let error = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: ["AWS_EC2_METADATA_DISABLED": "true"], transport: stub).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(stub.requests.isEmpty)
    }

    @Test func noRoleAndFailureCodesDecline() async {
        let noRole = StubTransport { request in
            request.method == "PUT" ? HTTPResponse(status: 200, body: Data("t".utf8)) : HTTPResponse(status: 404)
        }
        let error = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: [:], transport: noRole).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.message == "no IAM role attached to this instance")

        let refused = StubTransport { _ in HTTPResponse(status: 403) }
        let forbidden = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: [:], transport: refused).credentials()
        }
        #expect(forbidden?.message == "IMDSv2 session token refused (HTTP 403)")
    }

    @Test func serverErrorsAreRetriedOnce() async {
        let failing = StubTransport { _ in HTTPResponse(status: 503) }
        _ = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: [:], transport: failing).credentials()
        }
        #expect(failing.requests.count == 2)
    }

    // MARK: Real HTTP

    /// How fast it declines is a setting (1 s timeout, 2 attempts) checked with stubs above, not timed here.
    @Test func unreachableMetadataServiceDeclines() async {
        let error = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1"]).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.message.contains("127.0.0.1:1") == true)
    }

    @Test func credentialsFromLocalEndpoint() async throws {
        try await LocalEndpoint.require()
        let provider = IMDSCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": LocalEndpoint.baseURL])
        let credentials = try await provider.credentials()
        #expect(!credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty)
        #expect(credentials.sessionToken != nil)
        #expect(try #require(credentials.expiration) > Date())
    }

    @Test func localEndpointEnforcesTheSessionToken() async throws {
        try await LocalEndpoint.require()
        // Guards the test double itself: a provider that skipped IMDSv2 would pass against a lenient server.
        let response = try await LocalEndpoint.get("/latest/meta-data/iam/security-credentials/")
        #expect(response.status == 401)
    }

    @Test func chainFallsThroughToLocalIMDS() async throws {
        try await LocalEndpoint.require()
        let home = try TempHome()
        let chain = CredentialProviderChain.defaultChain(environment: home.environment([
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": LocalEndpoint.baseURL,
        ]))
        let refreshing = RefreshingCredentialProvider(wrapping: chain)
        #expect(!(try await refreshing.credentials().accessKeyID.isEmpty))
        #expect(await chain.resolvedProviderName == "ec2-imds")
    }
}
