@testable import AWSCredentialProviders
import LogCapture
import HTTPTransport
import Foundation
import Testing

/// No error, description or log line may contain a secret key or token, whatever went wrong after reading one.
@Suite("Secrets never appear in errors or logs")
struct SecretRedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzSECRETKEY"
    static let token = "IQoJb3JpZ2luX2VjEKzzSESSIONTOKEN"

    func assertClean(_ error: (any Error)?, _ logs: CapturedLogs? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error else { Issue.record("expected an error", sourceLocation: sourceLocation); return }
        let texts = [String(describing: error), "\(error)", error.localizedDescription, String(reflecting: error), logs?.joined ?? ""]
        for text in texts {
            #expect(!text.contains(Self.secret) && !text.contains(Self.token) && !text.contains("zzSECRET") && !text.contains("zzSESSION"),
                    "leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func malformedCredentialsFile() async throws {
        let logs = CapturedLogs()
        let home = try TempHome(credentials: """
            [default]
            aws_access_key_id = AKIDLEAK
            aws_secret_access_key = \(Self.secret)
            aws_session_token = \(Self.token)
            \(Self.secret)
            """)
        let chain = CredentialProviderChain(providers: [ProfileCredentialProvider(environment: home.environment(), logger: logs.logger())],
                                            logger: logs.logger())
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.location == "~/.aws/credentials:5")
        assertClean(error, logs)
    }

    @Test func secretPastedAsAHeaderOrSubProperty() throws {
        for text in ["[\(Self.secret)", "[default]\ns3 =\n  \(Self.secret)", "  \(Self.token)", "[default]\n=\(Self.secret)"] {
            let error = #expect(throws: CredentialError.self) {
                try AWSSharedConfig(config: nil, credentials: text, paths: SharedConfigPaths(configFile: "/c", credentialsFile: "/k"))
            }
            assertClean(error)
        }
    }

    @Test func unsupportedAndIncompleteProfiles() async throws {
        let logs = CapturedLogs()
        let home = try TempHome(config: """
            [profile role]
            role_arn = arn:aws:iam::123456789012:role/x
            aws_secret_access_key = \(Self.secret)
            [profile half]
            aws_secret_access_key = \(Self.secret)
            aws_session_token = \(Self.token)
            [bare-with-secret]
            aws_secret_access_key = \(Self.secret)
            """)
        for profile in ["role", "half", "missing"] {
            let provider = ProfileCredentialProvider(profile: profile, environment: home.environment(), logger: logs.logger())
            let error = await #expect(throws: CredentialError.self) { try await provider.credentials() }
            assertClean(error, logs)
        }
    }

    @Test func environmentWithHalfAPair() async {
        let error = await #expect(throws: CredentialError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_SECRET_ACCESS_KEY": Self.secret, "AWS_SESSION_TOKEN": Self.token]).credentials()
        }
        assertClean(error)
    }

    @Test func badHTTPDocuments() async throws {
        let bodies: [[String: String]] = [
            ["AccessKeyId": "AKID", "SecretAccessKey": Self.secret, "Token": Self.token, "Expiration": "not-a-date-\(Self.token)"],
            ["SecretAccessKey": Self.secret, "Token": Self.token],
            ["Code": "AssumeRoleUnauthorizedAccess", "SecretAccessKey": Self.secret, "Token": Self.token],
        ]
        for body in bodies {
            let logs = CapturedLogs()
            let stub = StubTransport { request in
                if request.method == "PUT" { return HTTPResponse(status: 200, body: Data(Self.token.utf8)) }
                if request.url.absoluteString.hasSuffix("security-credentials/") { return HTTPResponse(status: 200, body: Data("role".utf8)) }
                return jsonResponse(body)
            }
            let container = ContainerCredentialProvider(
                environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/creds?sig=\(Self.token)",
                              "AWS_CONTAINER_AUTHORIZATION_TOKEN": Self.token],
                transport: stub, logger: logs.logger())
            let containerError = await #expect(throws: CredentialError.self) { try await container.credentials() }
            assertClean(containerError, logs)
            let imds = IMDSCredentialProvider(environment: [:], transport: stub, logger: logs.logger())
            let imdsError = await #expect(throws: CredentialError.self) { try await imds.credentials() }
            assertClean(imdsError, logs)
        }
    }

    @Test func garbageRoleNameIsNotEchoed() async {
        let stub = StubTransport { request in
            request.method == "PUT" ? HTTPResponse(status: 200, body: Data("t".utf8)) : HTTPResponse(status: 200, body: Data(Self.secret.utf8))
        }
        let error = await #expect(throws: CredentialError.self) {
            try await IMDSCredentialProvider(environment: [:], transport: stub).credentials()
        }
        #expect(error?.message == "instance metadata returned an invalid IAM role name")
        assertClean(error)
    }

    @Test func failedHTTPStatusWithSecretEchoingBody() async {
        let stub = StubTransport { _ in HTTPResponse(status: 500, body: Data("Authorization: \(Self.token)".utf8)) }
        let provider = ContainerCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1/c",
                                                                 "AWS_CONTAINER_AUTHORIZATION_TOKEN": Self.token], transport: stub)
        let error = await #expect(throws: CredentialError.self) { try await provider.credentials() }
        #expect(error?.description == "container: http://127.0.0.1/c: HTTP 500")
        assertClean(error)
    }

    @Test func credentialsDescriptionIsRedacted() async throws {
        let credentials = AWSCredentials(accessKeyID: "AKIDX", secretAccessKey: Self.secret, sessionToken: Self.token)
        #expect(!"\(credentials)".contains(Self.secret) && !"\(credentials)".contains(Self.token))
    }
}
