@testable import AWSCore
import Testing

/// The `outcome` label of `prenv_aws_requests_total`: throttling apart from every other error,
/// whatever protocol said it.
@Suite struct AWSCallOutcomeTests {
    static func error(_ code: String, _ status: Int?) -> AWSError {
        AWSError(service: "codebuild", operation: "CreateProject", code: code, message: "m", httpStatus: status)
    }

    @Test func throttlingCodesAnd429AreThrottled() {
        for code in ["ThrottlingException", "SlowDown", "Throttling", "RequestLimitExceeded"] {
            #expect(AWSClient.outcome(of: Self.error(code, 400)) == .throttled, "\(code)")
        }
        #expect(AWSClient.outcome(of: Self.error("SlowDown", 503)) == .throttled)
        #expect(AWSClient.outcome(of: Self.error("Whatever", 429)) == .throttled)
    }

    @Test func otherErrorsByStatus() {
        #expect(AWSClient.outcome(of: Self.error("ValidationException", 400)) == .clientError)
        #expect(AWSClient.outcome(of: Self.error("AccessDeniedException", 403)) == .clientError)
        #expect(AWSClient.outcome(of: Self.error("InternalFailure", 500)) == .serverError)
        #expect(AWSClient.outcome(of: Self.error(AWSError.ClientCode.connectionFailed, nil)) == .transportError)
        #expect(AWSClient.outcome(of: Self.error(AWSError.ClientCode.timedOut, nil)) == .transportError)
        #expect(AWSClient.outcome(of: Self.error(AWSError.ClientCode.cancelled, nil)) == .cancelled)
        #expect(AWSClient.outcome(of: nil) == .transportError)
    }
}
