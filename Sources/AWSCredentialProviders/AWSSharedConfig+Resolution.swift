import Foundation

/// Region and endpoint resolution in the SDKs' order, so AWSCore does not re-implement the precedence rules.
extension AWSSharedConfig {
    /// `AWS_REGION`, then `AWS_DEFAULT_REGION` (the CLI's name), then the selected profile's `region`.
    /// The files are only read when the environment does not decide.
    public static func resolveRegion(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let region = environment.nonEmpty("AWS_REGION") ?? environment.nonEmpty("AWS_DEFAULT_REGION") { return region }
        let config = try load(environment: environment)
        return config.region(profile: config.selectedProfile)
    }

    /// The profile's configured endpoint for a service: its `services` section's `<service> = / endpoint_url = …`,
    /// else the profile's own `endpoint_url`. `service` is the SDK service ID ("S3", "DynamoDB", "Secrets Manager").
    public func endpointURL(service: String, profile: String) -> String? {
        if let group = value("services", profile: profile),
           let url = sections["services"]?[group]?.properties[Self.configKey(service)]?.subProperties["endpoint_url"],
           !url.isEmpty {
            return url
        }
        return value("endpoint_url", profile: profile)
    }

    /// Full precedence: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, then the selected profile
    /// (`endpointURL(service:profile:)`); nil when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or the profile's
    /// `ignore_configured_endpoint_urls` is true.
    public static func resolveEndpointURL(service: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        switch EndpointDecision(service: service, environment: environment) {
        case .url(let url): url
        case .ignoreConfigured: nil
        case .askFiles: try load(environment: environment).configuredEndpointURL(service: service)
        }
    }

    /// The same precedence on already-loaded files (resolving many services then reads the files once).
    public func resolveEndpointURL(service: String, environment: [String: String]) -> String? {
        switch EndpointDecision(service: service, environment: environment) {
        case .url(let url): url
        case .ignoreConfigured: nil
        case .askFiles: configuredEndpointURL(service: service)
        }
    }

    /// What the environment alone says about a service's endpoint.
    private enum EndpointDecision {
        case url(String), ignoreConfigured, askFiles

        init(service: String, environment: [String: String]) {
            let variable = "AWS_ENDPOINT_URL_" + service.uppercased().replacingOccurrences(of: " ", with: "_")
            if environment.nonEmpty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.lowercased() == "true" {
                self = .ignoreConfigured
            } else if let url = environment.nonEmpty(variable) ?? environment.nonEmpty("AWS_ENDPOINT_URL") {
                self = .url(url)
            } else {
                self = .askFiles
            }
        }
    }

    private func configuredEndpointURL(service: String) -> String? {
        if value("ignore_configured_endpoint_urls", profile: selectedProfile)?.lowercased() == "true" { return nil }
        return endpointURL(service: service, profile: selectedProfile)
    }

    /// "Secrets Manager" → "secrets_manager", the key used inside `[services …]` sections.
    static func configKey(_ service: String) -> String {
        service.lowercased().replacingOccurrences(of: " ", with: "_")
    }
}
