import AWSCore
import AWSServices
import LocalAWSSupport
import Testing

/// Adaptive pacing against the local endpoint's request-rate cap (scoped to this test's access key):
/// a client whose configured rate is four times the cap sends a burst, AWS throttles, pacing slows the
/// service down, and every call still succeeds through the default retry policy.
@Suite struct AdaptivePacingIntegrationTests {
    let accessKey = LocalAWS.uniqueAccessKey()

    @Test func aBurstOverTheCapIsPacedWithoutSurfacingThrottling() async throws {
        try await LocalAWS.requireRunning()
        try await LocalAWS.addFault(["kind": "rps", "rps": 4, "burst": 4, "service": "sts", "access_key": accessKey])
        let client = AWSClient(
            region: LocalAWS.region, endpoints: LocalAWS.endpoints, credentialProvider: LocalAWS.credentials(accessKey: accessKey),
            transport: LocalAWS.transport, retryPolicy: .default, requestsPerSecond: ["sts": 16])
        let calls = 32
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<calls {
                group.addTask {
                    do {
                        _ = try await STS(client: client).getCallerIdentity()
                        return nil
                    } catch {
                        return String(describing: error)
                    }
                }
            }
            var failures: [String] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        #expect(failures.isEmpty, "calls failed: \(failures)")
        // The cap did fire (the client's 16/s burst is over it), so the calls above were throttled and paced.
        let stats = try await LocalAWS.admin("GET", "/_prenv/stats?access_key=\(accessKey)")
        let throttled = (stats["injected"] as? [String: Any])?["throttled"] as? Int ?? 0
        #expect(throttled > 0, "the endpoint's cap never throttled: \(stats)")
        // Every throttled attempt was retried: the endpoint saw each call once plus once per throttle.
        #expect(try await LocalAWS.callCounts(accessKey: accessKey)["sts.GetCallerIdentity"] == calls + throttled)
    }
}
