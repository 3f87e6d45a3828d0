import AWSCredentialProviders
import Testing

@Suite("Region and endpoint resolution")
struct SharedConfigResolutionTests {
    @Test func regionPrecedence() throws {
        let home = try TempHome(config: "[default]\nregion = from-default\n[profile dev]\nregion = from-dev\n")
        #expect(try AWSSharedConfig.resolveRegion(environment: home.environment()) == "from-default")
        #expect(try AWSSharedConfig.resolveRegion(environment: home.environment(["AWS_PROFILE": "dev"])) == "from-dev")
        #expect(try AWSSharedConfig.resolveRegion(environment: home.environment(["AWS_DEFAULT_REGION": "env-default"])) == "env-default")
        #expect(try AWSSharedConfig.resolveRegion(environment: home.environment(["AWS_REGION": "env", "AWS_DEFAULT_REGION": "x"])) == "env")
        #expect(try AWSSharedConfig.resolveRegion(environment: try TempHome().environment()) == nil)
    }

    @Test func endpointPrecedence() throws {
        let home = try TempHome(config: """
            [default]
            endpoint_url = http://profile-wide
            services = local
            [profile plain]
            endpoint_url = http://plain
            [profile ignoring]
            endpoint_url = http://never
            ignore_configured_endpoint_urls = true
            [services local]
            s3 =
              endpoint_url = http://s3-specific
            secrets_manager =
              endpoint_url = http://secrets
            """)
        let environment = home.environment()
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "S3", environment: environment) == "http://s3-specific")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "Secrets Manager", environment: environment) == "http://secrets")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "DynamoDB", environment: environment) == "http://profile-wide")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "S3", environment: home.environment(["AWS_PROFILE": "plain"])) == "http://plain")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "S3", environment: home.environment(["AWS_PROFILE": "ignoring"])) == nil)
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "S3", environment: home.environment(["AWS_ENDPOINT_URL": "http://global"])) == "http://global")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "Secrets Manager", environment: home.environment([
            "AWS_ENDPOINT_URL": "http://global", "AWS_ENDPOINT_URL_SECRETS_MANAGER": "http://env-specific",
        ])) == "http://env-specific")
        #expect(try AWSSharedConfig.resolveEndpointURL(service: "S3", environment: home.environment([
            "AWS_ENDPOINT_URL": "http://global", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
        ])) == nil)

        // The instance form gives the same answers from files loaded once.
        let loaded = try AWSSharedConfig.load(environment: environment)
        #expect(loaded.resolveEndpointURL(service: "S3", environment: environment) == "http://s3-specific")
        #expect(loaded.resolveEndpointURL(service: "S3", environment: ["AWS_ENDPOINT_URL_S3": "http://env"]) == "http://env")
    }
}
