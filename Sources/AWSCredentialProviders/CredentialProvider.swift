/// Re-exported so callers that import only `AWSCredentialProviders` can name the credentials value type.
@_exported import struct AWSSigV4.AWSCredentials
import Foundation

/// One source of AWS credentials (environment, shared files, container endpoint, EC2 metadata, …).
///
/// Providers are values that can be shared across tasks; each call to `credentials()` fetches anew,
/// and caching is left to `RefreshingCredentialProvider` so every source gets the same expiry logic.
public protocol CredentialProvider: Sendable {
    /// A short human-readable name for `prenv doctor` and error messages, e.g. "environment",
    /// "profile default (~/.aws/credentials)", "container", "ec2-imds". Never contains secrets.
    var name: String { get }

    /// Returns credentials or throws a `CredentialError`.
    ///
    /// A provider that simply has nothing to offer throws `CredentialError` of kind `.notFound`,
    /// which lets `CredentialProviderChain` move on to the next source; any other kind means
    /// the source is configured but broken and stops the chain.
    func credentials() async throws -> AWSCredentials
}

/// Why a credential source failed, with enough context (provider, file:line, URL) to fix it.
///
/// Messages are written by prenv itself and never include credential material: values read from
/// files, environment variables and HTTP bodies are not copied into them.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    public enum Kind: Sendable, Equatable {
        /// The source has nothing to offer (variable unset, no file, no endpoint); the chain moves on.
        case notFound
        /// The source is present but wrong (malformed file, half-set keys, disallowed host); the chain stops.
        case invalidConfiguration
        /// The profile uses a credential kind prenv does not implement (assume-role, SSO, process, …).
        case unsupported
        /// A configured endpoint answered badly or not at all.
        case fetchFailed
        /// Every provider of a chain declined; `causes` holds one error per provider.
        case noCredentials
    }

    public var kind: Kind
    /// The provider's `name` (or "chain").
    public var provider: String
    /// What went wrong, without secrets.
    public var message: String
    /// Where: "path:line" for files, a URL (without query) for endpoints, nil otherwise.
    public var location: String?
    /// For `.noCredentials`: the per-provider reasons, in the order they were tried.
    public var causes: [CredentialError]

    public init(_ kind: Kind, provider: String, _ message: String, location: String? = nil, causes: [CredentialError] = []) {
        self.kind = kind
        self.provider = provider
        self.message = message
        self.location = location
        self.causes = causes
    }

    public var description: String {
        switch kind {
        case .noCredentials:
            let reasons = causes.map { "\($0.provider): \($0.detail)" }.joined(separator: "; ")
            return "no AWS credentials found: \(reasons)"
        default:
            return "\(provider): \(detail)"
        }
    }

    /// The message with its location, without the provider name (the chain prefixes that itself).
    public var detail: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }

    public var errorDescription: String? { description }
}
