@testable import AWSCredentialProviders
import LogCapture
import Testing

@Suite("ProfileCredentialProvider and shared-file locations")
struct ProfileProviderTests {
    @Test func defaultProfileFromCredentialsFile() async throws {
        let home = try TempHome(credentials: """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = default-secret
            aws_session_token = default-token
            """)
        let provider = ProfileCredentialProvider(environment: home.environment())
        #expect(provider.name == "profile default (~/.aws/credentials)")
        let credentials = try await provider.credentials()
        #expect(credentials == AWSCredentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "default-secret", sessionToken: "default-token"))
    }

    @Test func awsProfileSelectsAndExplicitParameterOverrides() async throws {
        let home = try TempHome(config: """
            [profile from-config]
            aws_access_key_id = AKIDCONFIG
            aws_secret_access_key = config-secret
            """, credentials: """
            [work]
            aws_access_key_id = AKIDWORK
            aws_secret_access_key = work-secret
            """)
        let viaEnvironment = ProfileCredentialProvider(environment: home.environment(["AWS_PROFILE": "work"]))
        #expect(try await viaEnvironment.credentials().accessKeyID == "AKIDWORK")
        let explicit = ProfileCredentialProvider(profile: "from-config", environment: home.environment(["AWS_PROFILE": "work"]))
        #expect(explicit.profile == "from-config")
        #expect(try await explicit.credentials().accessKeyID == "AKIDCONFIG")
    }

    @Test func fileLocationsComeFromTheEnvironment() async throws {
        let home = try TempHome()
        let credentialsPath = try home.write("custom-credentials", "[default]\naws_access_key_id=AKIDCUSTOM\naws_secret_access_key=s\n")
        try home.write("custom-config", "[default]\nregion = sa-east-1\n")
        let environment = home.environment([
            "AWS_SHARED_CREDENTIALS_FILE": credentialsPath,
            "AWS_CONFIG_FILE": "~/custom-config",
        ])
        #expect(try await ProfileCredentialProvider(environment: environment).credentials().accessKeyID == "AKIDCUSTOM")
        #expect(try AWSSharedConfig.resolveRegion(environment: environment) == "sa-east-1")
        let config = try AWSSharedConfig.load(environment: environment)
        #expect(config.paths.display(.config) == "~/custom-config")
    }

    @Test func missingFilesDecline() async throws {
        let home = try TempHome()
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment()).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.message == "no ~/.aws/credentials or ~/.aws/config")
    }

    @Test func missingDefaultProfileDeclinesButMissingNamedProfileFails() async throws {
        let home = try TempHome(config: "[profile other]\nregion = x\n")
        let implicit = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment()).credentials()
        }
        #expect(implicit?.kind == .notFound)
        let named = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment(["AWS_PROFILE": "typo"])).credentials()
        }
        #expect(named?.kind == .invalidConfiguration)
        #expect(named?.message.contains("no profile 'typo'") == true)
    }

    @Test func profileWithoutKeysDeclines() async throws {
        let home = try TempHome(config: "[default]\nregion = eu-north-1\n")
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment()).credentials()
        }
        #expect(error?.kind == .notFound)
        #expect(error?.message == "profile 'default' has no aws_access_key_id")
    }

    @Test func halfAKeyPairNamesFileAndLine() async throws {
        let home = try TempHome(credentials: "[default]\n\naws_access_key_id = AKIDHALF\n")
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment()).credentials()
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.location == "~/.aws/credentials:3")
        #expect(error?.message.contains("but not aws_secret_access_key") == true)
    }

    @Test(arguments: ["role_arn", "credential_process", "sso_session", "sso_start_url", "web_identity_token_file"])
    func unsupportedProfileKindsAreReported(key: String) async throws {
        let home = try TempHome(config: """
            [profile dev]
            region = us-east-1
            \(key) = something
            aws_access_key_id = AKIDSTATIC
            aws_secret_access_key = static-secret
            """)
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment(["AWS_PROFILE": "dev"])).credentials()
        }
        #expect(error?.kind == .unsupported)
        #expect(error?.location == "~/.aws/config:3")
        #expect(error?.message.contains("not supported by prenv") == true)
        #expect(error?.message.contains(key) == true)
    }

    @Test func malformedFileFailsWithProviderAndLine() async throws {
        let home = try TempHome(credentials: "[default]\naws_access_key_id = AKID\nwhat is this\n")
        let error = await #expect(throws: CredentialError.self) {
            try await ProfileCredentialProvider(environment: home.environment()).credentials()
        }
        #expect(error?.kind == .invalidConfiguration)
        #expect(error?.description == "profile default (~/.aws/credentials): ~/.aws/credentials:3: malformed line: expected 'name = value' setting")
    }

    @Test func ignoredSectionsAreLoggedWithLocation() async throws {
        let logs = CapturedLogs()
        let home = try TempHome(config: "[oops]\nregion = x\n", credentials: "[default]\naws_access_key_id=A\naws_secret_access_key=B\n")
        _ = try await ProfileCredentialProvider(environment: home.environment(), logger: logs.logger()).credentials()
        #expect(logs.joined.contains("~/.aws/config:1: [oops] ignored"))
    }
}
