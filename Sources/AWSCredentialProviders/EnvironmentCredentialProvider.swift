import Foundation

/// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, first in the chain as in every AWS SDK.
///
/// The environment is injected so tests and `prenv doctor` can evaluate any environment without mutating the process.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    private let environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func credentials() async throws -> AWSCredentials {
        try resolve()
    }

    /// Synchronous core, shared with tests; empty values count as unset, as in the SDKs.
    func resolve() throws -> AWSCredentials {
        let accessKey = environment.nonEmpty("AWS_ACCESS_KEY_ID")
        let secretKey = environment.nonEmpty("AWS_SECRET_ACCESS_KEY")
        switch (accessKey, secretKey) {
        case let (accessKey?, secretKey?):
            return AWSCredentials(
                accessKeyID: accessKey,
                secretAccessKey: secretKey,
                sessionToken: environment.nonEmpty("AWS_SESSION_TOKEN")
            )
        case (_?, nil):
            // Half a key pair is a mistake worth stopping for, not a reason to silently use another identity.
            throw CredentialError(.invalidConfiguration, provider: name, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        case (nil, _?):
            throw CredentialError(.invalidConfiguration, provider: name, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (nil, nil):
            var reason = "AWS_ACCESS_KEY_ID not set"
            if environment.nonEmpty("AWS_WEB_IDENTITY_TOKEN_FILE") != nil {
                // EKS IRSA sets these; say so rather than leave the user wondering why they were ignored.
                reason += " (AWS_WEB_IDENTITY_TOKEN_FILE is set, but web-identity credentials are not supported by prenv)"
            }
            throw CredentialError(.notFound, provider: name, reason)
        }
    }
}

extension [String: String] {
    /// The variable's value when set to something other than whitespace.
    func nonEmpty(_ key: String) -> String? {
        guard let value = self[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
