import Testing

@testable import AWSCore

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), maxDelay: .seconds(1))

    func error(_ code: String, status: Int? = 400) -> AWSError {
        AWSError(service: "codebuild", operation: "Op", code: code, message: "", httpStatus: status)
    }

    @Test(arguments: ["Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"])
    func throttlingIsRetried(code: String) {
        #expect(policy.isRetryable(error(code)))
    }

    @Test func serverErrorsAndDroppedConnectionsAreRetried() {
        #expect(policy.isRetryable(error("InternalFailure", status: 500)))
        #expect(policy.isRetryable(error("Whatever", status: 503)))
        #expect(policy.isRetryable(error(AWSError.ClientCode.connectionFailed, status: nil)))
        #expect(policy.isRetryable(error(AWSError.ClientCode.timedOut, status: nil)))
    }

    @Test(arguments: ["ValidationException", "ValidationError", "AccessDenied", "AccessDeniedException", "SignatureDoesNotMatch", "InvalidClientTokenId", "ResourceNotFoundException"])
    func clientErrorsAreNeverRetried(code: String) {
        #expect(!policy.isRetryable(error(code)))
        #expect(policy.decide(error: error(code), attempt: 1, random: { 0.5 }) == .giveUp)
    }

    @Test func cancellationIsNeverRetried() {
        #expect(!policy.isRetryable(error(AWSError.ClientCode.cancelled, status: nil)))
    }

    @Test func attemptsAreBounded() {
        #expect(policy.decide(error: error("Throttling"), attempt: 3, random: { 0.5 }) != .giveUp)
        #expect(policy.decide(error: error("Throttling"), attempt: 4, random: { 0.5 }) == .giveUp)
    }

    @Test func backoffGrowsExponentiallyWithFullJitterAndIsCapped() {
        #expect(policy.delay(attempt: 1, random: { 0.999_999 }) <= .milliseconds(100))
        #expect(policy.delay(attempt: 2, random: { 0.999_999 }) > .milliseconds(199))
        #expect(policy.delay(attempt: 3, random: { 0.999_999 }) > .milliseconds(399))
        #expect(policy.delay(attempt: 20, random: { 0.999_999 }) <= .seconds(1))
        #expect(policy.delay(attempt: 3, random: { 0 }) == .zero)
        #expect(policy.delay(attempt: 3, random: { 0.5 }) == .milliseconds(200))
    }
}
