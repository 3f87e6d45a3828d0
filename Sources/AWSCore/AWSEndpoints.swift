import AWSCredentialProviders
import Foundation

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
