@testable import AWSCredentialProviders
import HTTPTransport
import Foundation
import Testing

@Suite("ContainerCredentialProvider")
struct ContainerProviderTests {
    func provider(_ environment: [String: String], transport: any HTTPSender = StubTransport { _ in HTTPResponse(status: 500) },
                  base: String = ContainerCredentialProvider.ecsBaseURL) -> ContainerCredentialProvider {
        ContainerCredentialProvider(environment: environment, transport: transport, relativeBaseURL: base, attempts: 1)
    }

    @Test func declinesWithoutVariables() async {
        let error = await #expect(throws: CredentialError.self) { try await provider([:]).credentials() }
        #expect(error?.kind == .notFound)
        #expect(error?.description == "container: AWS_CONTAINER_CREDENTIALS_* not set")
    }

    @Test func relativeURIWinsAndUsesTheECSHost() throws {
        let url = try provider([
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/other",
        ]).endpoint()
        #expect(url.absoluteString == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/creds", "http://127.9.9.9/creds", "http://localhost:9/creds", "http://[::1]:80/creds",
        "http://169.254.170.2/creds", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "http://[fd00:ec2:0:0:0:0:0:23]/x", "https://credentials.example.com/creds",
    ])
    func allowedFullURIs(uri: String) throws {
        #expect(try provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri]).endpoint().absoluteString == uri)
    }

    @Test(arguments: [
        "http://10.0.0.5/creds", "http://169.254.170.3/creds", "http://169.254.169.254/latest", "http://example.com/creds",
        "http://[fd00:ec2::24]/creds", "http://127.0.0.1.nip.io/creds", "ftp://127.0.0.1/creds", "not a url",
    ])
    func refusedFullURIs(uri: String) {
        let error = #expect(throws: CredentialError.self) { try provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri]).endpoint() }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.provider == "container")
    }

    @Test func plainHTTPRefusalExplainsTheRule() {
        let error = #expect(throws: CredentialError.self) {
            try provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://10.1.2.3:8080/creds?token=abc"]).endpoint()
        }
        #expect(error?.description.contains("plain http to host '10.1.2.3'") == true)
        #expect(error?.location == "http://10.1.2.3:8080/creds")
    }

    @Test func tokenFileWinsOverInlineTokenAndIsSentAsAuthorization() async throws {
        let home = try TempHome()
        let tokenFile = try home.write("token", "file-token\n")
        let stub = StubTransport { _ in
            jsonResponse(["AccessKeyId": "AKIDC", "SecretAccessKey": "s", "Token": "t", "Expiration": "2030-01-01T00:00:00Z"])
        }
        let environment = [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "inline-token",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
        ]
        _ = try await provider(environment, transport: stub).credentials()
        #expect(stub.requests.first?.headers["Authorization"] == "file-token")
        #expect(stub.requests.first?.method == "GET")
        var inlineOnly = environment
        inlineOnly["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = nil
        _ = try await provider(inlineOnly, transport: stub).credentials()
        #expect(stub.requests.last?.headers["Authorization"] == "inline-token")
    }

    @Test func unreadableTokenFileIsAnError() async {
        let error = await #expect(throws: CredentialError.self) {
            try await provider(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/c",
                                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/token"]).credentials()
        }
        #expect(error?.kind == .invalidConfiguration)
    }

    @Test(arguments: ["2030-01-02T03:04:05Z", "2030-01-02T03:04:05.123Z", "2030-01-02T03:04:05+00:00", "2030-01-02T04:04:05.5+01:00"])
    func expirationFormats(text: String) throws {
        let body = Data(#"{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"\#(text)"}"#.utf8)
        let credentials = try CredentialsDocument.decode(body, provider: "container", location: "x")
        let seconds = try #require(credentials.expiration?.timeIntervalSince1970)
        #expect(abs(seconds - 1_893_553_445) < 1)
    }

    // MARK: Real HTTP

    @Test func connectionRefusedIsAFetchFailure() async {
        let error = await #expect(throws: CredentialError.self) {
            try await ContainerCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"],
                                                  timeout: .seconds(1), attempts: 1).credentials()
        }
        // Configured but unreachable must not silently fall through to the next provider.
        #expect(error?.kind == .fetchFailed)
    }

    @Test func relativeURIAgainstLocalEndpoint() async throws {
        try await LocalEndpoint.require()
        let provider = ContainerCredentialProvider(
            environment: ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/_prenv/container-credentials"],
            relativeBaseURL: LocalEndpoint.baseURL)
        let credentials = try await provider.credentials()
        #expect(!credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty)
        #expect(credentials.sessionToken != nil)
        #expect(try #require(credentials.expiration) > Date())
    }

    @Test func fullURIWithTokenFileAgainstLocalEndpoint() async throws {
        try await LocalEndpoint.require()
        let home = try TempHome()
        let tokenFile = try home.write("eks-token", "local-pod-identity-token")
        let provider = ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": LocalEndpoint.baseURL + LocalEndpoint.uniqueContainerPath(),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile,
        ])
        let credentials = try await provider.credentials()
        #expect(!credentials.accessKeyID.isEmpty)
        #expect(try #require(credentials.expiration) > Date())
    }
}
