import AWSCredentialProviders
import Foundation
import Testing

@Suite("CredentialProviderChain")
struct ChainTests {
    static let declined = CredentialError(.notFound, provider: "first", "nothing here")

    @Test func firstProviderThatYieldsWinsAndIsReported() async throws {
        let first = ScriptedProvider(name: "first", answers: [.failure(Self.declined)])
        let second = ScriptedProvider(name: "second", answers: [.success(creds("SECOND"))])
        let third = ScriptedProvider(name: "third", answers: [.success(creds("THIRD"))])
        let chain = CredentialProviderChain(providers: [first, second, third])
        #expect(await chain.resolvedProviderName == nil)
        let resolved = try await chain.resolve()
        #expect(resolved.credentials.accessKeyID == "SECOND")
        #expect(resolved.providerName == "second")
        #expect(await chain.resolvedProviderName == "second")
        #expect(await third.calls == 0)
    }

    @Test func brokenSourceStopsTheChain() async throws {
        let broken = ScriptedProvider(name: "profile dev", answers: [.failure(CredentialError(.unsupported, provider: "profile dev", "role_arn"))])
        let later = ScriptedProvider(name: "later", answers: [.success(creds("LATER"))])
        let error = await #expect(throws: CredentialError.self) {
            try await CredentialProviderChain(providers: [broken, later]).credentials()
        }
        #expect(error?.kind == .unsupported)
        #expect(await later.calls == 0)
    }

    @Test func defaultChainOrderMatchesTheSDKs() async throws {
        let home = try TempHome()
        let chain = CredentialProviderChain.defaultChain(environment: home.environment())
        #expect(chain.providers.map(\.name) == ["environment", "profile default (~/.aws/credentials)", "container", "ec2-imds"])
    }

    @Test func environmentBeatsProfile() async throws {
        let home = try TempHome(credentials: "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\n")
        let chain = CredentialProviderChain.defaultChain(environment: home.environment([
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "e",
        ]))
        #expect(try await chain.credentials().accessKeyID == "AKIDENV")
        #expect(await chain.resolvedProviderName == "environment")
    }

    @Test func profileBeatsContainerAndIMDS() async throws {
        let home = try TempHome(credentials: "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = p\n")
        let chain = CredentialProviderChain.defaultChain(environment: home.environment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/never-called",
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1",
        ]))
        #expect(try await chain.credentials().accessKeyID == "AKIDPROFILE")
        #expect(await chain.resolvedProviderName == "profile default (~/.aws/credentials)")
    }

    /// Real HTTP to a closed loopback port stands in for "no instance metadata here" (fails over in well under a second).
    @Test func combinedMessageWhenNothingYields() async throws {
        let home = try TempHome()
        let chain = CredentialProviderChain.defaultChain(environment: home.environment([
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1",
        ]))
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.kind == .noCredentials)
        #expect(error?.causes.map(\.provider) == ["environment", "profile default (~/.aws/credentials)", "container", "ec2-imds"])
        let text = error?.description ?? ""
        #expect(text.hasPrefix(
            "no AWS credentials found: environment: AWS_ACCESS_KEY_ID not set; profile default (~/.aws/credentials): "
                + "no ~/.aws/credentials or ~/.aws/config; container: AWS_CONTAINER_CREDENTIALS_* not set; ec2-imds: "), "\(text)")
        #expect(text.contains("127.0.0.1:1"), "\(text)")
        #expect(await chain.resolvedProviderName == nil)
    }

    @Test func disabledIMDSSaysSo() async throws {
        let home = try TempHome()
        let chain = CredentialProviderChain.defaultChain(environment: home.environment(["AWS_EC2_METADATA_DISABLED": "TRUE"]))
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.description.hasSuffix("ec2-imds: disabled by AWS_EC2_METADATA_DISABLED=true") == true)
    }
}
