import Foundation
import HTTPTransport
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ECS task roles and EKS Pod Identity: GET a credentials document from the endpoint the orchestrator announces in
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (below 169.254.170.2) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the
/// optional `Authorization` token from `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// Precedence and host rules follow the AWS SDKs (see the SDKs and Tools reference, "Container credential provider").
public struct ContainerCredentialProvider: CredentialProvider {
    public let name = "container"
    /// Base for the relative URI; ECS serves task credentials here.
    public static let ecsBaseURL = "http://169.254.170.2"

    private let environment: [String: String]
    private let transport: any HTTPSender
    private let relativeBaseURL: String
    private let timeout: Duration
    private let attempts: Int
    private let logger: Logger

    /// - Parameter relativeBaseURL: scheme://host[:port] that `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is appended to;
    ///   only tests change it.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPSender = CurlTransport(timeout: .seconds(5)),
                relativeBaseURL: String = ContainerCredentialProvider.ecsBaseURL,
                timeout: Duration = .seconds(2), attempts: Int = 2,
                logger: Logger = Logger(label: "prenv.credentials")) {
        self.environment = environment
        self.transport = transport
        self.relativeBaseURL = relativeBaseURL
        self.timeout = timeout
        self.attempts = attempts
        self.logger = logger
    }

    public func credentials() async throws -> AWSCredentials {
        let url = try endpoint()
        let shown = displayURL(url)
        var request = HTTPRequest(method: "GET", url: url, headers: ["Accept": "application/json"], timeout: timeout)
        if let token = try authorizationToken() { request.headers["Authorization"] = token }
        logger.debug("fetching container credentials", metadata: ["url": "\(shown)"])
        let response: HTTPResponse
        do {
            response = try await sendWithRetries(request, via: transport, attempts: attempts)
        } catch let error as HTTPTransportError {
            throw CredentialError(.fetchFailed, provider: name, error.description)
        }
        // The body of a failure may echo request details, so only the status is reported.
        guard response.status == 200 else {
            throw CredentialError(.fetchFailed, provider: name, "HTTP \(response.status)", location: shown)
        }
        return try CredentialsDocument.decode(response.body, provider: name, location: shown)
    }

    /// The endpoint to call; relative URI first, as in the SDKs. Throws `.notFound` when neither variable is set.
    public func endpoint() throws -> URL {
        if let relative = environment.nonEmpty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let url = URL(string: relativeBaseURL + path) else {
                throw CredentialError(.invalidConfiguration, provider: name, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a valid URI path")
            }
            return url
        }
        guard let full = environment.nonEmpty("AWS_CONTAINER_CREDENTIALS_FULL_URI") else {
            throw CredentialError(.notFound, provider: name, "AWS_CONTAINER_CREDENTIALS_* not set")
        }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw CredentialError(.invalidConfiguration, provider: name, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL")
        }
        let shown = displayURL(url)
        switch scheme {
        case "https":
            return url
        case "http" where ContainerHostPolicy.isAllowedPlainHTTPHost(host):
            return url
        case "http":
            throw CredentialError(.invalidConfiguration, provider: name,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI uses plain http to host '\(host)'; only https, loopback, "
                    + "169.254.170.2 (ECS) and 169.254.170.23 / fd00:ec2::23 (EKS Pod Identity) are allowed",
                location: shown)
        default:
            throw CredentialError(.invalidConfiguration, provider: name,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must be an http or https URL", location: shown)
        }
    }

    /// The token file wins over the inline token (EKS rotates the file, so it is read on every fetch).
    func authorizationToken() throws -> String? {
        var token: String
        if let path = environment.nonEmpty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw CredentialError(.invalidConfiguration, provider: name, "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", location: path)
            }
            token = text
        } else if let inline = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            token = inline
        } else {
            return nil
        }
        token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.isEmpty { return nil }
        guard !token.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw CredentialError(.invalidConfiguration, provider: name, "the container authorization token contains a line break")
        }
        return token
    }
}

/// Which hosts may serve container credentials over plain http: credentials must not cross a network unencrypted,
/// so only this machine (loopback), the ECS agent (169.254.170.2) and the EKS Pod Identity agent
/// (169.254.170.23, fd00:ec2::23) qualify.
///
/// Addresses are compared as parsed bytes (so `fd00:ec2:0::23` matches). Unlike the SDKs prenv does no DNS lookup:
/// of host names only `localhost` is accepted.
enum ContainerHostPolicy {
    static func isAllowedPlainHTTPHost(_ rawHost: String) -> Bool {
        var host = rawHost.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "localhost." { return true }
        if let v4 = ipv4Bytes(host) {
            return v4[0] == 127 || v4 == [169, 254, 170, 2] || v4 == [169, 254, 170, 23]
        }
        if let v6 = ipv6Bytes(host) {
            let loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]
            let eksPodIdentity: [UInt8] = [0xfd, 0x00, 0x0e, 0xc2] + Array(repeating: 0, count: 11) + [0x23]
            return v6 == loopback || v6 == eksPodIdentity
        }
        return false
    }

    static func ipv4Bytes(_ text: String) -> [UInt8]? {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }

    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
