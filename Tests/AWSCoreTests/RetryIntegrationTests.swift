import AWSCore
import HTTPTransport
import Synchronization
import AWSServices
import LocalAWSSupport
import Testing

/// Retries against injected throttling and 5xx on the local endpoint. Each test signs with its own access
/// key, and its fault rules are scoped to that key, so parallel tests never see each other's faults.
@Suite struct RetryIntegrationTests {
    let accessKey = LocalAWS.uniqueAccessKey()
    var client: AWSClient {
        LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey),
                        retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
    }

    @Test func jsonThrottlingIsRetriedUntilItSucceeds() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "throttle", "service": "codebuild", "access_key": accessKey, "count": 3])
        let output = try await CodeBuild(client: client).batchGetProjects(names: ["prenv-none"])
        #expect(output.projects?.isEmpty ?? true)
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["codebuild.BatchGetProjects"] == 4)
    }

    @Test func queryThrottlingGivesUpAfterMaxAttemptsWithAWSsCode() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "throttle", "service": "sts", "access_key": accessKey])
        let error = await #expect(throws: AWSError.self) { try await STS(client: client).getCallerIdentity() }
        #expect(error?.code == "Throttling")
        #expect(error?.httpStatus == 400)
        #expect(error?.service == "sts")
        #expect(error?.operation == "GetCallerIdentity")
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["sts.GetCallerIdentity"] == 4)
    }

    @Test func s3SlowDownAndServerErrorsAreRetried() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "throttle", "service": "s3", "access_key": accessKey, "count": 1])
        try await LocalAWS.addFault(["kind": "error", "status": 500, "service": "s3", "access_key": accessKey, "count": 1])
        let bucket = LocalAWS.uniqueName("prenv-retry")
        try await S3(client: client).createBucket(bucket)
        try await S3(client: client).headBucket(bucket)
    }

    @Test func serviceUnavailableGivesUpCleanly() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "error", "status": 503, "service": "codepipeline", "access_key": accessKey])
        let error = await #expect(throws: AWSError.self) { try await CodePipeline(client: client).getPipeline(name: "x") }
        #expect(error?.httpStatus == 503)
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["codepipeline.GetPipeline"] == 4)
    }

    @Test func validationErrorsAreNotRetried() async throws {
        try await LocalAWS.requireRunning()
        let error = await #expect(throws: AWSError.self) {
            try await CloudFormation(client: client).describeStacks(stackName: LocalAWS.uniqueName("prenv-none"))
        }
        #expect(error?.code == "ValidationError")
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["cloudformation.DescribeStacks"] == 1)
    }

    @Test func injectedAccessDeniedIsSurfacedVerbatimAndNotRetried() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault([
            "kind": "error", "status": 400, "code": "AccessDeniedException", "service": "codebuild", "access_key": accessKey,
            "message": "User is not authorized to perform: codebuild:BatchGetProjects",
        ])
        let error = await #expect(throws: AWSError.self) { try await CodeBuild(client: client).batchGetProjects(names: ["x"]) }
        #expect(error?.code == "AccessDeniedException")
        #expect(error?.message == "User is not authorized to perform: codebuild:BatchGetProjects")
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["codebuild.BatchGetProjects"] == 1)
    }

    @Test func connectionRefusedIsATypedErrorAfterRetries() async throws {
        let dead = AWSClient(
            region: "us-east-1", endpoints: AWSEndpoints(region: "us-east-1", everyService: URL(string: "http://127.0.0.1:1")!),
            credentialProvider: LocalAWS.credentials(), transport: LocalAWS.transport,
            retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(2)))
        let error = await #expect(throws: AWSError.self) { try await STS(client: dead).getCallerIdentity() }
        #expect(error?.code == AWSError.ClientCode.connectionFailed)
        #expect(error?.httpStatus == nil)
    }

    @Test func cancellationStopsWaitingForARetry() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "throttle", "service": "sts", "access_key": accessKey])
        let slow = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: accessKey),
                                   retryPolicy: RetryPolicy(maxAttempts: 10, baseDelay: .seconds(60), maxDelay: .seconds(60)))
        let task = Task { try await STS(client: slow).getCallerIdentity() }
        while try await LocalAWS.callCounts(accessKey: accessKey)["sts.GetCallerIdentity"] ?? 0 < 1 {
            await Task.yield()
        }
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result, error is CancellationError else {
            Issue.record("expected CancellationError, got \(result)")
            return
        }
    }

    /// Without a client-side limit a burst trips the server's cap (4/s, burst 4: 40 calls would need
    /// 9 s to pass, so this holds however slowly a loaded machine sends them). With the limit, the
    /// client itself spaces real requests to its rate; sends are timed where they leave the client,
    /// because a loaded single-process endpoint bunches arrivals on its own side.
    @Test func clientSideRateLimitKeepsUnderTheServersCap() async throws {
        try await LocalAWS.requireRunning()
        let unlimitedKey = LocalAWS.uniqueAccessKey()
        try await LocalAWS.addFault(["kind": "rps", "rps": 4, "burst": 4, "service": "sts", "access_key": unlimitedKey])
        let unlimited = LocalAWS.client(credentials: LocalAWS.credentials(accessKey: unlimitedKey), retryPolicy: .none)
        let throttled = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    do { _ = try await STS(client: unlimited).getCallerIdentity(); return false } catch { return (error as? AWSError)?.code == "Throttling" }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(throttled > 0, "without the client-side limit a burst of 40 must trip the server's cap")

        let recording = RecordingTransport(LocalAWS.transport)
        let limited = AWSClient(
            region: LocalAWS.region, endpoints: LocalAWS.endpoints, credentialProvider: LocalAWS.credentials(accessKey: accessKey),
            transport: recording, retryPolicy: .none, requestsPerSecond: ["sts": 4])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await STS(client: limited).getCallerIdentity() } }
            try await group.waitForAll()
        }
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["sts.GetCallerIdentity"] == 12)
        // A 4/s bucket with burst 4: the n-th send (n ≥ 4) leaves no earlier than (n - 3) / 4 s after the first.
        let sends = recording.sendTimes
        #expect(sends.count == 12)
        for (index, time) in sends.enumerated() where index >= 4 {
            #expect(sends[0].duration(to: time) >= .milliseconds(250 * (index - 3) - 5), "send \(index) came too early")
        }
    }
}

import Foundation

/// Records when each request leaves the client, then sends it for real.
final class RecordingTransport: HTTPSender {
    let base: any HTTPSender
    private let times = Mutex<[ContinuousClock.Instant]>([])
    init(_ base: any HTTPSender) { self.base = base }
    var sendTimes: [ContinuousClock.Instant] { times.withLock { $0.sorted() } }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        times.withLock { $0.append(.now) }
        return try await base.send(request)
    }
}
