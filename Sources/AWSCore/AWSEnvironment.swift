import AWSCredentialProviders
import Foundation
import HTTPTransport
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

    /// - Parameter adaptivePacing: false keeps each service at its configured rate whatever AWS answers
    ///   (`PRENV_AWS_PACING=static`, for measuring what adaptation buys).
    public func makeClient(
        transport: any HTTPSender, retryPolicy: RetryPolicy = .default, adaptivePacing: Bool = true,
        logger: Logger = Logger(label: "prenv.aws")
    ) -> AWSClient {
        AWSClient(
            region: region.name, endpoints: endpoints, credentialProvider: credentialProvider,
            transport: transport, retryPolicy: retryPolicy, adaptivePacing: adaptivePacing, logger: logger)
    }
}

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

/// Where each service's requests go, resolved the way the AWS SDKs do it.
///
/// Precedence (implemented by `AWSSharedConfig.resolveEndpointURL`): `AWS_ENDPOINT_URL_<SERVICE>`,
/// `AWS_ENDPOINT_URL`, the profile's `services`/`endpoint_url`, then the public
/// `https://<prefix>.<region>.amazonaws.com`.
public struct AWSEndpoints: Sendable {
    public let region: String
    /// Custom endpoints by service name (`AWSService.name`).
    public let overrides: [String: URL]

    public init(region: String, overrides: [String: URL] = [:]) {
        self.region = region
        self.overrides = overrides
    }

    /// Same endpoint for every service (the local endpoint in tests and the demo).
    public init(region: String, everyService url: URL) {
        self.init(region: region, overrides: Dictionary(uniqueKeysWithValues: AWSService.all.map { ($0.name, url) }))
    }

    /// Reads overrides from environment and profile. Invalid URLs are errors: a typo must not silently hit real AWS.
    public static func resolve(environment: [String: String], region: String, config: AWSSharedConfig? = nil) throws(AWSConfigurationError) -> AWSEndpoints {
        let config = if let config { config } else { try AWSSharedConfig.loadForAWSCore(environment: environment) }
        var overrides: [String: URL] = [:]
        for service in AWSService.all {
            if let raw = config.resolveEndpointURL(service: service.endpointEnvironmentID, environment: environment), !raw.isEmpty {
                overrides[service.name] = try parse(raw, source: "endpoint for \(service.name)")
            }
        }
        return AWSEndpoints(region: region, overrides: overrides)
    }

    static func parse(_ raw: String, source: String) throws(AWSConfigurationError) -> URL {
        guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil else {
            throw AWSConfigurationError("\(source) is not an http(s) URL: \(raw)")
        }
        return url
    }

    /// The base URL for a service.
    public func url(for service: AWSService) -> URL {
        if let custom = overrides[service.name] { return custom }
        return URL(string: "https://\(service.endpointPrefix).\(region).amazonaws.com") ?? URL(fileURLWithPath: "/")
    }

    /// Custom endpoints (moto, MinIO, VPC endpoints) are addressed path-style; AWS itself virtual-host style.
    public func isCustom(_ service: AWSService) -> Bool {
        overrides[service.name] != nil
    }
}

/// A configuration problem found before any request was sent.
public struct AWSConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
