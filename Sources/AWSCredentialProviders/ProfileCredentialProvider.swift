import Foundation
import Logging

/// Static keys from a shared-file profile (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`).
///
/// Profiles that need another credential mechanism (assume-role, web identity, SSO, `credential_process`) are
/// reported as unsupported instead of being skipped, because skipping would make the chain fall through to a
/// different identity than the one the user selected.
public struct ProfileCredentialProvider: CredentialProvider {
    public let name: String
    /// The profile read: the explicit `profile`, else `AWS_PROFILE`, else "default".
    public let profile: String
    private let explicit: Bool
    private let environment: [String: String]
    private let logger: Logger

    public init(profile: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "prenv.credentials")) {
        let chosen = profile ?? environment.nonEmpty("AWS_PROFILE")
        self.profile = chosen ?? "default"
        self.explicit = chosen != nil
        self.environment = environment
        self.logger = logger
        self.name = "profile \(self.profile) (\(SharedConfigPaths(environment: environment).display(.credentials)))"
    }

    public func credentials() async throws -> AWSCredentials {
        let config: AWSSharedConfig
        do {
            config = try AWSSharedConfig.load(environment: environment)
        } catch var error as CredentialError {
            error.provider = name
            throw error
        }
        for warning in config.warnings { logger.notice("shared config: \(warning)") }
        return try credentials(from: config)
    }

    /// The decision logic on already-loaded files.
    func credentials(from config: AWSSharedConfig) throws -> AWSCredentials {
        let files = [config.paths.display(.credentials), config.paths.display(.config)]
        guard !config.loadedFiles.isEmpty else {
            throw CredentialError(.notFound, provider: name, "no \(files.joined(separator: " or "))")
        }
        guard let section = config.profiles[profile] else {
            let message = "no profile '\(profile)' in \(config.loadedFiles.joined(separator: " or "))"
            // A profile the user asked for by name must exist; the implicit default may be absent.
            throw CredentialError(explicit ? .invalidConfiguration : .notFound, provider: name, message)
        }
        if let (key, mechanism) = Self.unsupported.first(where: { config.value($0.key, profile: profile) != nil }),
           let property = section.properties[key] {
            throw CredentialError(.unsupported, provider: name,
                "profile '\(profile)' uses \(key) (\(mechanism)), which is not supported by prenv; export static credentials "
                    + "(e.g. `eval \"$(aws configure export-credentials --profile \(profile) --format env)\"`) and retry",
                location: property.location.description)
        }
        let accessKey = config.value("aws_access_key_id", profile: profile)
        let secretKey = config.value("aws_secret_access_key", profile: profile)
        switch (accessKey, secretKey) {
        case let (accessKey?, secretKey?):
            return AWSCredentials(accessKeyID: accessKey, secretAccessKey: secretKey,
                                  sessionToken: config.value("aws_session_token", profile: profile))
        case (_?, nil), (nil, _?):
            let (present, missing) = accessKey != nil
                ? ("aws_access_key_id", "aws_secret_access_key") : ("aws_secret_access_key", "aws_access_key_id")
            throw CredentialError(.invalidConfiguration, provider: name,
                "profile '\(profile)' sets \(present) but not \(missing)",
                location: section.properties[present]?.location.description)
        case (nil, nil):
            throw CredentialError(.notFound, provider: name, "profile '\(profile)' has no aws_access_key_id")
        }
    }

    /// Settings that select a credential mechanism prenv does not implement, in the SDKs' order of precedence.
    static let unsupported: [(key: String, mechanism: String)] = [
        ("role_arn", "assume role"),
        ("web_identity_token_file", "web identity"),
        ("sso_session", "IAM Identity Center / SSO"),
        ("sso_start_url", "IAM Identity Center / SSO"),
        ("credential_process", "external credential process"),
        ("login_session", "console login session"),
    ]
}
