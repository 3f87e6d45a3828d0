import AWSCore
import Orchestrator
import Providers
import Testing

/// What the orchestrator may retry later (`ApplyRetry`) is what the AWS client retries now, less a full quota.
@Suite struct AWSErrorTransientTests {
    static func error(_ code: String, status: Int) -> AWSError {
        AWSError(service: "codepipeline", operation: "GetPipeline", code: code, message: "m", httpStatus: status)
    }

    @Test func throttlingAnd5xxAreTransientRefusalsAndBadInputAreNot() {
        #expect(Self.error("ThrottlingException", status: 400).isTransient)
        #expect(Self.error("InternalFailure", status: 500).isTransient)
        #expect(Self.error("ServiceUnavailable", status: 503).isTransient)
        #expect(!Self.error("AccessDeniedException", status: 400).isTransient)
        #expect(!Self.error("ValidationException", status: 400).isTransient)
        #expect(!Self.error(AWSError.ClientCode.cancelled, status: 0).isTransient)
        // Retried by the client, but a full account quota (stacks, pipelines) outlasts any retry.
        #expect(!Self.error("LimitExceededException", status: 400).isTransient)
    }
}
