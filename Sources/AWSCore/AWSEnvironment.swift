import AWSCredentialProviders
import HTTPTransport
import Foundation
import Logging

/// Everything prenv needs to reach AWS, resolved once from the process environment and AWS config files.
public struct AWSEnvironment: Sendable {
    public let region: AWSRegion.Resolved
    public let endpoints: AWSEndpoints
    /// The SDK-style chain, cached and refreshed before expiry.
    public let credentialProvider: any CredentialProvider
    /// The uncached chain, which can say which source answered (for `prenv doctor`).
    public let chain: CredentialProviderChain

    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: any HTTPSender,
        logger: Logger = Logger(label: "prenv.aws")
    ) throws(AWSConfigurationError) -> AWSEnvironment {
        let config = try AWSSharedConfig.loadForAWSCore(environment: environment)
        let region = try AWSRegion.resolve(environment: environment, config: config)
        let endpoints = try AWSEndpoints.resolve(environment: environment, region: region.name, config: config)
        let chain = CredentialProviderChain.defaultChain(environment: environment, transport: transport, logger: logger)
        return AWSEnvironment(
            region: region, endpoints: endpoints,
            credentialProvider: RefreshingCredentialProvider(wrapping: chain, logger: logger), chain: chain)
    }

    public func makeClient(
        transport: any HTTPSender, retryPolicy: RetryPolicy = .default, logger: Logger = Logger(label: "prenv.aws")
    ) -> AWSClient {
        AWSClient(
            region: region.name, endpoints: endpoints, credentialProvider: credentialProvider,
            transport: transport, retryPolicy: retryPolicy, logger: logger)
    }
}
