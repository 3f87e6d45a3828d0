import AWSCore
import AWSCredentialProviders
import Foundation
import FuzzSupport
import HTTPTransport
import Logging

/// AWS error bodies through `AWSClient`'s public calls, as a failing service answers them: the input is
/// the body of a non-2xx response (its length picks the status) to a JSON 1.1, a Query and a REST-XML
/// call, so the error decoder sniffs JSON, XML, HTML or garbage. Every failure must be an `AWSError`
/// that says which call failed with a non-empty code.
@main
enum AWSErrorsFuzz {
    /// Answers every request with one canned response.
    struct CannedTransport: HTTPSender {
        let response: HTTPResponse
        func send(_ request: HTTPRequest) async throws -> HTTPResponse { response }
    }

    struct Empty: Codable {}

    static let credentials = EnvironmentCredentialProvider(environment: [
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ])
    static let statuses = [400, 403, 404, 409, 429, 500, 502, 503, 301, 418]

    static func main() {
        FuzzDriver.run("aws-errors") { bytes, count in AWSErrorsFuzz.check(FuzzDriver.data(bytes, count)) }
    }

    static func check(_ body: Data) -> Int32 {
            let count = body.count
            let status = statuses[count % statuses.count]
            let headers: HTTPHeaders = count % 3 == 0 ? ["x-amzn-ErrorType": String(decoding: body.prefix(64), as: UTF8.self)] : [:]
            let client = AWSClient(
                region: "us-east-1", endpoints: AWSEndpoints(region: "us-east-1", everyService: URL(string: "http://127.0.0.1:1")!),
                credentialProvider: credentials, transport: CannedTransport(response: HTTPResponse(status: status, headers: headers, body: body)),
                retryPolicy: .none, requestsPerSecond: [:], logger: Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() })
            FuzzDriver.blocking {
                await expectAWSError("ListProjects", status) { _ = try await client.json(.codeBuild, "ListProjects", Empty(), as: Empty.self) }
                await expectAWSError("DescribeStacks", status) { _ = try await client.query(.cloudFormation, "DescribeStacks") }
                await expectAWSError("HeadBucket", status) { _ = try await client.restXML(.s3, "HeadBucket", method: "HEAD", bucket: "prenv-fuzz") }
            }
            return 0
    }

    static func expectAWSError(_ operation: String, _ status: Int, _ call: () async throws -> Void) async {
        do {
            try await call()
            FuzzDriver.fail("\(operation) succeeded on HTTP \(status)")
        } catch let error as AWSError {
            if error.operation != operation || error.code.isEmpty || error.httpStatus != status {
                FuzzDriver.fail("\(operation) on HTTP \(status) became \(error)")
            }
            _ = error.description
            _ = error.isNotFound
        } catch {
            FuzzDriver.fail("\(operation) threw \(type(of: error)), not AWSError")
        }
    }
}
