@testable import AWSCredentialProviders
import Testing

@Suite("EnvironmentCredentialProvider")
struct EnvironmentProviderTests {
    @Test func readsKeysAndSessionToken() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
        ])
        let credentials = try await provider.credentials()
        #expect(credentials == AWSCredentials(accessKeyID: "AKIDENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
        #expect(provider.name == "environment")
    }

    @Test func emptySessionTokenIsIgnored() async throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "",
        ])
        #expect(try await provider.credentials().sessionToken == nil)
    }

    @Test func declinesWhenUnset() async {
        let error = await #expect(throws: CredentialError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "  "]).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.description == "environment: AWS_ACCESS_KEY_ID not set")
    }

    @Test func mentionsUnsupportedWebIdentity() async {
        let error = await #expect(throws: CredentialError.self) {
            try await EnvironmentCredentialProvider(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"]).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.message.contains("not supported by prenv") == true)
    }

    @Test(arguments: [
        (["AWS_ACCESS_KEY_ID": "AKIDENV"], "AWS_SECRET_ACCESS_KEY is not"),
        (["AWS_SECRET_ACCESS_KEY": "lonely-secret"], "AWS_ACCESS_KEY_ID is not"),
    ])
    func halfAKeyPairIsAnError(environment: [String: String], expected: String) async {
        let error = await #expect(throws: CredentialError.self) {
            try await EnvironmentCredentialProvider(environment: environment).credentials()
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description.contains(expected) == true)
        #expect(error?.description.contains("lonely-secret") == false)
    }
}
