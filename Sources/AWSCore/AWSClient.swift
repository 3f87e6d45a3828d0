import AWSCredentialProviders
import AWSSigV4
import Foundation
import HTTPTransport
import Logging
import Telemetry

/// The one way prenv talks to AWS: resolves the endpoint, rate-limits, signs, sends, decodes errors, retries.
///
/// Service clients (`AWSServices`) only build requests and read responses through the protocol helpers in
/// `AWSClient+Protocols.swift`; everything that must be uniform lives here.
///
/// Every call throws `AWSError` when it fails and `CancellationError`, untouched, when its task is
/// cancelled (while rate limited, on the wire, or waiting to retry), as soto-core's retry middleware
/// does. The engine records a `CancellationError` as a superseded node, not a failed one, so no caller
/// has to translate cancellation back. The calls are therefore untyped `throws`: Swift's typed throws
/// cannot say "`AWSError` or `CancellationError`", and a wrapper enum would make every caller unwrap
/// cancellation again, which is how providers came to report it as a failure.
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

    /// Conservative steady rates per service, well under AWS's unpublished control-plane limits: the
    /// ceilings of adaptive pacing (`AdaptivePacing`), which slows a service down when AWS throttles it.
    public static let defaultRequestsPerSecond: [String: Double] = [
        "codebuild": 10, "codepipeline": 10, "cloudformation": 5, "sts": 10, "s3": 100,
        // The orphan sweep's GetResources pages: paced like the others, so a sweep of a large
        // account cannot spend the tagging API's quota in one burst.
        "tagging": 5,
    ]

    public init(
        region: String,
        endpoints: AWSEndpoints,
        credentialProvider: any CredentialProvider,
        transport: any HTTPSender = CurlTransport(),
        retryPolicy: RetryPolicy = .default,
        requestsPerSecond: [String: Double] = AWSClient.defaultRequestsPerSecond,
        adaptivePacing: Bool = true,
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
        // Static pacing (a decrease of 1 never cuts) is kept for measuring what adaptation buys.
        self.rateLimiters = requestsPerSecond.mapValues {
            RateLimiter(requestsPerSecond: $0, pacing: adaptivePacing ? nil : AdaptivePacing(ceiling: $0, decrease: 1), sleep: sleep)
        }
        self.logger = logger
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// Sends a request built for `service`, retrying per `retryPolicy`; returns only 2xx responses.
    /// Throws `AWSError`, or `CancellationError` when the task is cancelled.
    public func send(_ request: HTTPRequest, service: AWSService, operation: String) async throws -> HTTPResponse {
        var elapsed = Duration.zero
        return try await RetryLoop(maxAttempts: retryPolicy.maxAttempts, sleep: sleep).run { attempt in
            let started = ContinuousClock.now
            defer { elapsed = started.duration(to: .now) }
            let response: HTTPResponse
            do {
                response = try await attemptOnce(request, service: service, operation: operation)
            } catch is CancellationError {
                // The loop rethrows cancellation without `onFailure`: counted here.
                Telemetry.awsAttempt(service: service.name, operation: operation, outcome: .cancelled, duration: started.duration(to: .now))
                throw CancellationError()
            }
            let duration = started.duration(to: .now)
            Telemetry.awsAttempt(service: service.name, operation: operation, outcome: .success, duration: duration)
            logger.debug("aws call", metadata: metadata(service, operation, attempt, duration, status: response.status))
            return response
        } delay: { error, attempt in
            guard let error = error as? AWSError, case .retry(let delay) = retryPolicy.decide(error: error, attempt: attempt, random: random) else {
                return nil
            }
            return delay
        } onFailure: { error, attempt, retryIn in
            let aws = error as? AWSError
            Telemetry.awsAttempt(service: service.name, operation: operation, outcome: Self.outcome(of: aws),
                                 duration: elapsed, retried: retryIn != nil)
            var metadata = metadata(service, operation, attempt, elapsed, status: aws?.httpStatus, code: aws?.code ?? "\(error)")
            if let retryIn {
                metadata["retry_in_ms"] = "\(Self.milliseconds(retryIn))"
                logger.info("aws call will be retried", metadata: metadata)
            } else {
                logger.debug("aws call failed", metadata: metadata)
            }
        }
    }

    /// One signed request. A transport cancelled because this task was cancelled is `CancellationError`;
    /// one cancelled for another reason (its transport shut down, say) is an `AWSError` like any failure.
    private func attemptOnce(_ request: HTTPRequest, service: AWSService, operation: String) async throws -> HTTPResponse {
        func failure(_ code: String, _ message: String) -> AWSError {
            AWSError(service: service.name, operation: operation, code: code, message: message)
        }
        try Task.checkCancellation()
        let limiter = rateLimiters[service.name]
        try await limiter?.acquire()
        let credentials: AWSCredentials
        do {
            credentials = try await credentialProvider.credentials()
        } catch where HTTPTransportError.isCancellation(error) {
            throw CancellationError()
        } catch {
            throw failure(AWSError.ClientCode.credentials, String(describing: error))
        }
        let signed = sign(request, service: service, credentials: credentials)
        let response: HTTPResponse
        do {
            response = try await transport.send(signed)
        } catch where HTTPTransportError.isCancellation(error) {
            throw CancellationError()
        } catch let error as HTTPTransportError {
            throw failure(Self.code(for: error.kind), error.description)
        } catch {
            throw failure(AWSError.ClientCode.transport, String(describing: error))
        }
        if (200..<300).contains(response.status) {
            await limiter?.record(.succeeded)
            return response
        }
        let error = AWSErrorDecoder.decode(response, service: service, operation: operation)
        if RetryPolicy.isThrottling(error), case .cut(let from, let to)? = await limiter?.record(.throttled) {
            logger.info("aws throttled: pacing this service down", metadata: [
                "service": "\(service.name)", "operation": "\(operation)",
                "requests_per_second": "\(Self.rounded(from)) → \(Self.rounded(to))",
            ])
        }
        throw error
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

    /// The metric outcome of a failed attempt: throttling apart from every other error.
    static func outcome(of error: AWSError?) -> Telemetry.AWSOutcome {
        guard let error else { return .transportError }
        if RetryPolicy.isThrottling(error) { return .throttled }
        if error.code == AWSError.ClientCode.cancelled { return .cancelled }
        guard let status = error.httpStatus else { return .transportError }
        return status >= 500 ? .serverError : .clientError
    }

    private static func rounded(_ rate: Double) -> String {
        String(Double(Int((rate * 100).rounded())) / 100)
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private func metadata(_ service: AWSService, _ operation: String, _ attempt: Int, _ elapsed: Duration, status: Int?, code: String? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "service": "\(service.name)", "operation": "\(operation)", "attempt": "\(attempt)",
            "elapsed_ms": "\(Self.milliseconds(elapsed))",
        ]
        if let status { metadata["status"] = "\(status)" }
        if let code { metadata["code"] = "\(code)" }
        return metadata
    }
}
