import AWSCredentialProviders
import HTTPTransport
import AWSSigV4
import Foundation
import Logging

/// The one way prenv talks to AWS: resolves the endpoint, rate-limits, signs, sends, decodes errors, retries.
///
/// Service clients (`AWSServices`) only build requests and read responses through the protocol helpers in
/// `AWSClient+JSON`, `AWSClient+Query` and `AWSClient+RESTXML`; everything that must be uniform lives here.
public final class AWSClient: Sendable {
    public let region: String
    public let endpoints: AWSEndpoints
    public let retryPolicy: RetryPolicy
    let credentialProvider: any CredentialProvider
    let transport: any HTTPSender
    let rateLimiters: [String: RateLimiter]
    let logger: Logger
    let now: @Sendable () -> Date
    let sleep: @Sendable (Duration) async throws -> Void
    let random: @Sendable () -> Double

    /// Conservative steady rates per service, well under AWS's unpublished control-plane limits.
    public static let defaultRequestsPerSecond: [String: Double] = [
        "codebuild": 10, "codepipeline": 10, "cloudformation": 5, "sts": 10, "s3": 100,
    ]

    public init(
        region: String,
        endpoints: AWSEndpoints,
        credentialProvider: any CredentialProvider,
        transport: any HTTPSender = URLSessionTransport(),
        retryPolicy: RetryPolicy = .default,
        requestsPerSecond: [String: Double] = AWSClient.defaultRequestsPerSecond,
        logger: Logger = Logger(label: "prenv.aws"),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.region = region
        self.endpoints = endpoints
        self.credentialProvider = credentialProvider
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.rateLimiters = requestsPerSecond.mapValues { RateLimiter(requestsPerSecond: $0, sleep: sleep) }
        self.logger = logger
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// Sends a request built for `service`, retrying per `retryPolicy`; returns only 2xx responses.
    public func send(_ request: HTTPRequest, service: AWSService, operation: String) async throws(AWSError) -> HTTPResponse {
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            let result = await attemptOnce(request, service: service, operation: operation)
            let elapsed = started.duration(to: .now)
            switch result {
            case .success(let response):
                logger.debug("aws call", metadata: metadata(service, operation, attempt, elapsed, status: response.status))
                return response
            case .failure(let error):
                switch retryPolicy.decide(error: error, attempt: attempt, random: random) {
                case .giveUp:
                    logger.debug("aws call failed", metadata: metadata(service, operation, attempt, elapsed, status: error.httpStatus, code: error.code))
                    throw error
                case .retry(let delay):
                    logger.info("aws call will be retried", metadata: metadata(service, operation, attempt, elapsed, status: error.httpStatus, code: error.code)
                        .merging(["retry_in_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"]) { $1 })
                    do { try await sleep(delay) } catch {
                        throw AWSError(service: service.name, operation: operation, code: AWSError.ClientCode.cancelled, message: "cancelled while waiting to retry")
                    }
                    attempt += 1
                }
            }
        }
    }

    private func attemptOnce(_ request: HTTPRequest, service: AWSService, operation: String) async -> Result<HTTPResponse, AWSError> {
        func failure(_ code: String, _ message: String) -> Result<HTTPResponse, AWSError> {
            .failure(AWSError(service: service.name, operation: operation, code: code, message: message))
        }
        if Task.isCancelled { return failure(AWSError.ClientCode.cancelled, "cancelled") }
        do {
            try await rateLimiters[service.name]?.acquire()
        } catch {
            return failure(AWSError.ClientCode.cancelled, "cancelled while rate limited")
        }
        let credentials: AWSCredentials
        do {
            credentials = try await credentialProvider.credentials()
        } catch {
            return failure(AWSError.ClientCode.credentials, String(describing: error))
        }
        let signed = sign(request, service: service, credentials: credentials)
        let response: HTTPResponse
        do {
            response = try await transport.send(signed)
        } catch let error as HTTPTransportError {
            return failure(Self.code(for: error.kind), error.description)
        } catch {
            return failure(AWSError.ClientCode.transport, String(describing: error))
        }
        if (200..<300).contains(response.status) { return .success(response) }
        return .failure(AWSErrorDecoder.decode(response, service: service, operation: operation))
    }

    /// Signs a copy of the request with a fresh date (each retry is signed anew).
    func sign(_ request: HTTPRequest, service: AWSService, credentials: AWSCredentials) -> HTTPRequest {
        var signed = request
        let options: SigV4Signer.Options = service.wireProtocol == .restXML ? .s3 : .default
        let signer = SigV4Signer(credentials: credentials, region: region, service: service.signingName, options: options)
        let signable = SigV4Request(method: request.method, url: request.url, headers: request.headers.fields, body: request.body)
        for header in signer.signedHeaders(for: signable, date: now()) {
            signed.headers[header.name] = header.value
        }
        return signed
    }

    static func code(for kind: HTTPTransportError.Kind) -> String {
        switch kind {
        case .connectionFailed: AWSError.ClientCode.connectionFailed
        case .timedOut: AWSError.ClientCode.timedOut
        case .cancelled: AWSError.ClientCode.cancelled
        case .other: AWSError.ClientCode.transport
        }
    }

    private func metadata(_ service: AWSService, _ operation: String, _ attempt: Int, _ elapsed: Duration, status: Int?, code: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "service": "\(service.name)", "operation": "\(operation)", "attempt": "\(attempt)",
            "elapsed_ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
        if let status { metadata["status"] = "\(status)" }
        if let code { metadata["code"] = "\(code)" }
        return metadata
    }
}
