import AWSCore
import AWSCredentialProviders
import HTTPTransport
import Foundation

/// The local AWS endpoint (`infra/local/`) as integration tests see it.
///
/// Tests never reset it globally (they run in parallel): each test gets its own access key id, so its
/// fault rules only hit its own calls, and its own resource names via `uniqueName`.
public enum LocalAWS {
    /// `PRENV_TEST_AWS_ENDPOINT`, set by `infra/local/with-local-aws`; defaults to the usual port.
    public static var endpoint: URL {
        let raw = ProcessInfo.processInfo.environment["PRENV_TEST_AWS_ENDPOINT"] ?? "http://127.0.0.1:4566"
        return URL(string: raw) ?? URL(fileURLWithPath: "/")
    }

    public static let region = "us-east-1"

    /// Every service prenv uses, plus IAM (tests create roles), at the local endpoint.
    public static var endpoints: AWSEndpoints {
        AWSEndpoints(region: region, overrides: Dictionary(uniqueKeysWithValues: (AWSService.all.map(\.name) + ["iam"]).map { ($0, endpoint) }))
    }
    /// Shared by every test in the process, a couple of hundred suites at once, some holding a call
    /// for seconds (injected latency): more connections than prenv's own 16, so one test's calls do
    /// not queue behind another's held ones (a test of a race would then lose the race it sets up).
    public static let transport = CurlTransport(timeout: .seconds(30), maxConnectionsPerHost: 64)

    /// Fails the calling test with instructions when the endpoint is not running.
    public static func requireRunning() async throws {
        let url = endpoint.appendingPathComponent("_prenv/health")
        do {
            // A generous wait: a refused connection fails at once anyway, and under a full parallel test
            // run the one endpoint can take seconds to answer even this.
            let response = try await transport.send(HTTPRequest(method: "GET", url: url, timeout: .seconds(30)))
            guard response.status == 200 else { throw NotRunning(url: url, detail: "HTTP \(response.status)") }
        } catch let error as NotRunning {
            throw error
        } catch {
            throw NotRunning(url: url, detail: String(describing: error))
        }
    }

    public struct NotRunning: Error, CustomStringConvertible {
        public let url: URL
        public let detail: String
        public var description: String {
            "local AWS endpoint is not running at \(url) (\(detail)); start it with `make local-aws-start` "
                + "and set PRENV_TEST_AWS_ENDPOINT, or run the tests with `make test`"
        }
    }

    /// A fresh access key id per test: moto accepts any key when signature checks are off, and fault rules match on it.
    public static func uniqueAccessKey() -> String {
        "AKIDTEST" + String(UInt64.random(in: 0...UInt64.max), radix: 36).uppercased()
    }

    /// A lowercase name unique to this test run, valid as an S3 bucket, CodeBuild project, pipeline and stack name.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    public static func credentials(accessKey: String = uniqueAccessKey(), secret: String = "local-secret") -> StaticCredentialProvider {
        StaticCredentialProvider(AWSCredentials(accessKeyID: accessKey, secretAccessKey: secret))
    }

    /// A client for the local endpoint; retries are fast so retry tests stay quick.
    public static func client(
        credentials: any CredentialProvider = credentials(), retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200)),
        requestsPerSecond: [String: Double] = [:]
    ) -> AWSClient {
        AWSClient(
            region: region, endpoints: endpoints,
            credentialProvider: credentials, transport: transport, retryPolicy: retryPolicy,
            requestsPerSecond: requestsPerSecond)
    }
}

/// Fixed credentials, for tests and tools that are handed keys directly.
public struct StaticCredentialProvider: CredentialProvider {
    public let name = "static"
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() async throws -> AWSCredentials { value }
}
