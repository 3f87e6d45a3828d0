import AWSCredentialProviders
import Foundation

/// Finds the region like the SDKs: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the selected profile's `region`.
public enum AWSRegion {
    public struct Resolved: Sendable, Equatable {
        public let name: String
        /// Where it came from, for `prenv doctor`.
        public let source: String
    }

    public static func resolve(environment: [String: String], config: AWSSharedConfig? = nil) throws(AWSConfigurationError) -> Resolved {
        for variable in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return try validated(Resolved(name: value, source: variable))
            }
        }
        let config = if let config { config } else { try AWSSharedConfig.loadForAWSCore(environment: environment) }
        if let value = config.region(profile: config.selectedProfile), !value.isEmpty {
            return try validated(Resolved(name: value, source: "profile \(config.selectedProfile)"))
        }
        throw AWSConfigurationError(
            "no AWS region configured: set AWS_REGION (for example AWS_REGION=us-east-1) or `region` in the profile \(config.selectedProfile)")
    }

    /// Region names become host names; anything else is a typo or an injection attempt.
    static func validated(_ region: Resolved) throws(AWSConfigurationError) -> Resolved {
        let allowed = region.name.allSatisfy { ($0.isASCII && $0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }
        guard allowed, (2...32).contains(region.name.count) else {
            throw AWSConfigurationError("invalid AWS region \"\(region.name)\" from \(region.source)")
        }
        return region
    }
}

extension AWSSharedConfig {
    /// Loads the shared files, turning a malformed file into a configuration error that names it.
    static func loadForAWSCore(environment: [String: String]) throws(AWSConfigurationError) -> AWSSharedConfig {
        do {
            return try AWSSharedConfig.load(environment: environment)
        } catch {
            throw AWSConfigurationError("cannot read the AWS config files: \(error)")
        }
    }
}
