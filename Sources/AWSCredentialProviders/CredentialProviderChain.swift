import HTTPTransport
import Foundation
import Logging

/// Tries providers in order and returns the first credentials found, like the AWS SDKs' default chain.
///
/// A provider that declines (`.notFound`) passes to the next one; any other error stops the chain, because a
/// configured-but-broken source (malformed profile, refused container endpoint) must not silently be replaced by a
/// different identity further down. When all decline, the error lists every provider and its reason.
public actor CredentialProviderChain: CredentialProvider {
    public nonisolated let name: String
    public nonisolated let providers: [any CredentialProvider]
    /// The `name` of the provider that produced the most recent credentials, for `prenv doctor`.
    public private(set) var resolvedProviderName: String?
    private let logger: Logger

    public init(providers: [any CredentialProvider], logger: Logger = Logger(label: "prenv.credentials")) {
        self.providers = providers
        self.name = "chain(" + providers.map(\.name).joined(separator: ", ") + ")"
        self.logger = logger
    }

    /// environment → profile → container → EC2 instance metadata, the order of the AWS SDKs' default chain
    /// (without the web-identity, SSO and process providers prenv does not implement).
    public static func defaultChain(environment: [String: String] = ProcessInfo.processInfo.environment,
                                    transport: (any HTTPSender)? = nil,
                                    logger: Logger = Logger(label: "prenv.credentials")) -> CredentialProviderChain {
        let container = transport.map { ContainerCredentialProvider(environment: environment, transport: $0, logger: logger) }
            ?? ContainerCredentialProvider(environment: environment, logger: logger)
        let imds = transport.map { IMDSCredentialProvider(environment: environment, transport: $0, logger: logger) }
            ?? IMDSCredentialProvider(environment: environment, logger: logger)
        return CredentialProviderChain(providers: [
            EnvironmentCredentialProvider(environment: environment),
            ProfileCredentialProvider(environment: environment, logger: logger),
            container,
            imds,
        ], logger: logger)
    }

    public func credentials() async throws -> AWSCredentials {
        try await resolve().credentials
    }

    /// Credentials plus the name of the provider that supplied them.
    public func resolve() async throws -> (credentials: AWSCredentials, providerName: String) {
        var declined: [CredentialError] = []
        for provider in providers {
            do {
                let credentials = try await provider.credentials()
                logger.debug("credentials resolved", metadata: ["provider": "\(provider.name)"])
                resolvedProviderName = provider.name
                return (credentials, provider.name)
            } catch let error as CredentialError where error.kind == .notFound {
                logger.debug("credential provider declined", metadata: ["provider": "\(provider.name)", "reason": "\(error.detail)"])
                declined.append(error)
            } catch let error as CredentialError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                // Providers outside this module may throw other errors; report them by type, not contents.
                throw CredentialError(.fetchFailed, provider: provider.name, "failed with \(type(of: error))")
            }
        }
        throw CredentialError(.noCredentials, provider: "chain", "no AWS credentials found", causes: declined)
    }
}
