import HTTPTransport
import Foundation
import Logging

/// EC2 instance-profile credentials via IMDSv2: a session token from `PUT /latest/api/token`, the role name from
/// `/latest/meta-data/iam/security-credentials/`, then the role's credentials document.
///
/// Last in the chain and usually absent (laptops, CI), so it uses 1-second timeouts and at most two attempts:
/// a missing metadata service must cost about a second, not the 30 s of a default HTTP timeout.
/// Every failure to reach or use the service declines (`.notFound`) rather than stopping the chain; only an
/// unparsable `AWS_EC2_METADATA_SERVICE_ENDPOINT` is reported as a configuration error.
public struct IMDSCredentialProvider: CredentialProvider {
    public let name = "ec2-imds"
    public static let defaultEndpoint = "http://169.254.169.254"
    public static let ipv6Endpoint = "http://[fd00:ec2::254]"
    static let tokenTTLSeconds = "21600"

    private let environment: [String: String]
    private let transport: any HTTPSender
    private let timeout: Duration
    private let attempts: Int
    private let logger: Logger

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPSender = CurlTransport(timeout: .seconds(1)),
                timeout: Duration = .seconds(1), attempts: Int = 2,
                logger: Logger = Logger(label: "prenv.credentials")) {
        self.environment = environment
        self.transport = transport
        self.timeout = timeout
        self.attempts = attempts
        self.logger = logger
    }

    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else the IPv4 or IPv6 (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`) default.
    public var endpoint: String {
        if let configured = environment.nonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT") {
            return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        }
        return environment.nonEmpty("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")?.lowercased() == "ipv6"
            ? Self.ipv6Endpoint : Self.defaultEndpoint
    }

    public func credentials() async throws -> AWSCredentials {
        if environment.nonEmpty("AWS_EC2_METADATA_DISABLED")?.lowercased() == "true" {
            throw CredentialError(.notFound, provider: name, "disabled by AWS_EC2_METADATA_DISABLED=true")
        }
        let token = try await call("PUT", "/latest/api/token", headers: ["X-aws-ec2-metadata-token-ttl-seconds": Self.tokenTTLSeconds]) {
            // 403: IMDS is turned off for this instance; 404/405: not IMDSv2 (prenv does not fall back to IMDSv1).
            "IMDSv2 session token refused (HTTP \($0))"
        }
        let sessionToken = String(decoding: token, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !sessionToken.isEmpty, !sessionToken.contains(where: \.isNewline) else {
            throw CredentialError(.notFound, provider: name, "instance metadata returned an unusable session token")
        }
        let tokenHeader: HTTPHeaders = ["X-aws-ec2-metadata-token": sessionToken]
        let roles = try await call("GET", "/latest/meta-data/iam/security-credentials/", headers: tokenHeader) {
            $0 == 404 ? "no IAM role attached to this instance" : "listing the instance's IAM role failed (HTTP \($0))"
        }
        guard let role = String(decoding: roles, as: UTF8.self).split(whereSeparator: \.isNewline).first
            .map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw CredentialError(.notFound, provider: name, "no IAM role attached to this instance")
        }
        // IAM role names are [A-Za-z0-9+=,.@_-]{1,64}; anything else is not a role and is not echoed.
        guard role.count <= 64, role.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }) else {
            throw CredentialError(.notFound, provider: name, "instance metadata returned an invalid IAM role name")
        }
        let path = "/latest/meta-data/iam/security-credentials/" + role
        let document = try await call("GET", path, headers: tokenHeader) { "fetching role credentials failed (HTTP \($0))" }
        do {
            return try CredentialsDocument.decode(document, provider: name, location: endpoint + path)
        } catch var error as CredentialError {
            error.kind = .notFound
            throw error
        }
    }

    /// One metadata request; anything but 200 (or no answer) becomes a `.notFound` with a reason.
    private func call(_ method: String, _ path: String, headers: HTTPHeaders,
                      reason: (Int) -> String) async throws -> Data {
        guard let url = URL(string: endpoint + path) else {
            throw CredentialError(.invalidConfiguration, provider: name, "AWS_EC2_METADATA_SERVICE_ENDPOINT is not a valid URL")
        }
        let request = HTTPRequest(method: method, url: url, headers: headers, timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await sendWithRetries(request, via: transport, attempts: attempts)
        } catch let error as HTTPTransportError {
            logger.debug("instance metadata unreachable", metadata: ["url": "\(displayURL(url))", "kind": "\(error.kind)"])
            throw CredentialError(.notFound, provider: name, error.description)
        }
        guard response.status == 200 else {
            throw CredentialError(.notFound, provider: name, reason(response.status), location: displayURL(url))
        }
        return response.body
    }
}
