import HTTPTransport
import Foundation
import LocalAWSSupport
import TestServices
import Testing

/// `prenv doctor` run as a process, the way a user meets it.
@Suite struct DoctorCommandTests {
    let secret = "doctor-secret-\(UUID().uuidString)"

    @Test func passesAgainstTheLocalEndpointAndNeverPrintsTheSecret() async throws {
        try await LocalAWS.requireRunning()
        let key = LocalAWS.uniqueAccessKey()
        let result = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
        ]))
        #expect(result.status == 0, "\(result.output)")
        for name in ["region", "endpoints", "credentials", "sts", "s3", "codebuild", "codepipeline", "cloudformation", "tagging"] {
            #expect(result.output.contains("  \(name.padding(toLength: 15, withPad: " ", startingAt: 0))ok"), "\(name) not ok:\n\(result.output)")
        }
        #expect(result.output.contains("environment: access key \(key.prefix(4))…\(key.suffix(4))"))
        #expect(!result.output.contains(secret))
        #expect(!result.output.contains(key))
        #expect(result.output.contains("all checks passed"))
    }

    @Test func wrongSecretFailsNamingSignatureDoesNotMatch() async throws {
        let local = try await LocalAWSProcess(arguments: ["--verify-signatures"])
        defer { local.stop() }
        let response = try await LocalAWS.transport.send(HTTPRequest(
            method: "POST", url: local.url.appendingPathComponent("_prenv/iam/user"), body: Data("{}".utf8)))
        let keys = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        let key = try #require(keys["access_key_id"] as? String)
        let result = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": local.url.absoluteString,
        ]))
        #expect(result.status == 1)
        #expect(result.output.contains("sts            fail  GetCallerIdentity: SignatureDoesNotMatch"), "\(result.output)")
        #expect(result.output.contains("check(s) failed: sts"))
        #expect(!result.output.contains(secret))
    }

    @Test func nothingListeningIsConnectionFailed() async throws {
        let result = try await PrenvBinary.run(["doctor", "--timeout", "2"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": "AKIDNOWHERE12345", "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        ]))
        #expect(result.status == 1)
        #expect(result.output.contains("GetCallerIdentity: ConnectionFailed: could not connect to http://127.0.0.1:1/"), "\(result.output)")
    }

    @Test func missingRegionAndCredentialsAreNamed() async throws {
        let noRegion = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([:]))
        #expect(noRegion.status == 1)
        #expect(noRegion.output.contains("region         fail  no AWS region configured"), "\(noRegion.output)")

        let noCredentials = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment(["AWS_REGION": "eu-west-1"]))
        #expect(noCredentials.status == 1)
        #expect(noCredentials.output.contains("credentials    fail  "), "\(noCredentials.output)")
        #expect(noCredentials.output.contains("environment"))
        #expect(noCredentials.output.contains("sts            skip  no credentials"))
    }

    @Test func githubTokenIsCheckedWhenSet() async throws {
        try await LocalAWS.requireRunning()
        // Nothing serves GitHub's API here, so the check must fail and say where it tried.
        let result = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": LocalAWS.uniqueAccessKey(), "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
            "GITHUB_TOKEN": "ghp_doctortesttoken", "GITHUB_API_URL": "http://127.0.0.1:1/api/v3",
        ]))
        #expect(result.status == 1)
        #expect(result.output.contains("github         fail  "), "\(result.output)")
        #expect(!result.output.contains("ghp_doctortesttoken"))
    }

    @Test(arguments: ["accepted", "wrong token", "enterprise without rate limiting"])
    func githubTokenAgainstTheStandin(_ case: String) async throws {
        try await LocalAWS.requireRunning()
        let standin = try await StandinProcess()
        defer { standin.stop() }
        if `case` == "enterprise without rate limiting" { _ = try await standin.admin("enterprise") }
        let token = `case` == "wrong token" ? "ghp_notthestandinstoken" : standin.token
        let result = try await PrenvBinary.run(["doctor"], environment: PrenvBinary.isolatedEnvironment([
            "AWS_ACCESS_KEY_ID": LocalAWS.uniqueAccessKey(), "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": LocalAWS.endpoint.absoluteString,
            "GITHUB_TOKEN": token, "GITHUB_API_URL": standin.url.absoluteString,
        ]))
        switch `case` {
        case "accepted":
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("github         ok    \(standin.url.absoluteString): token accepted, 4999 requests left"), "\(result.output)")
        case "wrong token":
            #expect(result.status == 1)
            #expect(result.output.contains("github         fail  GET /rate_limit answered HTTP 401: Bad credentials"), "\(result.output)")
        default:
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("github         skip  "), "\(result.output)")
            #expect(result.output.contains("rate limiting is disabled"), "\(result.output)")
        }
        #expect(!result.output.contains(token))
    }
}
