/// Re-exported so callers that only import `AWSCredentials` (the module) can name the credentials value type.
@_exported import struct AWSSigV4.AWSCredentials

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
