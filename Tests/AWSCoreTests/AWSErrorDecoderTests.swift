import HTTPTransport
import Foundation
import LocalAWSSupport
import Testing

@testable import AWSCore

@Suite struct AWSErrorDecoderTests {
    func decode(_ status: Int, _ body: String, headers: HTTPHeaders = HTTPHeaders(), service: AWSService = .codeBuild) -> AWSError {
        AWSErrorDecoder.decode(HTTPResponse(status: status, headers: headers, body: Data(body.utf8)), service: service, operation: "Op")
    }

    @Test func jsonErrorWithNamespacedType() {
        let error = decode(400, #"{"__type":"com.amazonaws.codebuild#ResourceNotFoundException","message":"Project cannot be found"}"#,
                           headers: ["x-amzn-RequestId": "req-1"])
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.message == "Project cannot be found")
        #expect(error.requestID == "req-1")
        #expect(error.httpStatus == 400)
        #expect(error.service == "codebuild")
        #expect(error.operation == "Op")
    }

    @Test func jsonErrorCodeOnlyInHeader() {
        let error = decode(400, "{}", headers: ["x-amzn-ErrorType": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/"])
        #expect(error.code == "ThrottlingException")
    }

    /// Fuzz findings (`prenv-fuzz-aws-errors`): an empty or namespace-only type, in the body or in
    /// `x-amzn-ErrorType`, left the error with an empty code, which no retry rule or `isNotFound` matches.
    @Test(arguments: [#"{"__type":""}"#, #"{"__type":"com.amazonaws.codebuild#"}"#, #"{"code":":http://internal"}"#, #"{"__type":" \t"}"#])
    func emptyJSONTypeKeepsTheStatusCode(body: String) {
        let error = decode(404, body)
        #expect(error.code == "NotFound")
        #expect(error.isNotFound)
    }

    /// A message can quote what a PR wrote (a validation error echoes the value): one printable line,
    /// bounded, whatever AWS (or a proxy) sent.
    @Test func longAndControlCharacterMessagesAreBoundedToOnePrintableLine() throws {
        let hostile = String(repeating: "x\u{1B}[31m\r\nline\u{85}", count: 2_000)
        let json = try JSONSerialization.data(withJSONObject: ["__type": "ValidationException", "message": hostile])
        let error = decode(400, String(decoding: json, as: UTF8.self))
        #expect(error.code == "ValidationException")
        #expect(error.message.unicodeScalars.count <= 2_001 && error.message.hasSuffix("…"))
        #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        let xml = "<ErrorResponse><Error><Code>ValidationError</Code><Message>" + String(repeating: "ab\n", count: 5_000) + "</Message></Error></ErrorResponse>"
        let fromXML = decode(400, xml)
        #expect(fromXML.code == "ValidationError" && fromXML.message.unicodeScalars.count <= 2_001 && !fromXML.message.contains("\n"))
    }

    @Test func emptyErrorTypeHeaderKeepsTheStatusCode() {
        #expect(decode(400, "", headers: ["x-amzn-ErrorType": ""]).code == "BadRequest")
        #expect(decode(429, "{}", headers: ["x-amzn-ErrorType": "#"]).code == "TooManyRequestsException")
    }

    /// moto answers a bad signature on the JSON services with XML labelled text/html.
    @Test func xmlBodyFromJSONService() {
        let body = #"<?xml version="1.0" encoding="utf-8"?>"# + "\n"
            + "<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>"
        let error = decode(403, body, headers: ["Content-Type": "text/html; charset=utf-8"])
        #expect(error.code == "InvalidClientTokenId")
        #expect(error.message == "The security token included in the request is invalid.")
    }

    @Test func mototRenderedQueryError() throws {
        let body = try SharedFixtures.data("aws-responses/query-errors/cloudformation-ValidationError.moto-rendered.xml")
        let error = AWSErrorDecoder.decode(HTTPResponse(status: 400, body: body), service: .cloudFormation, operation: "DescribeStacks")
        #expect(error.code == "ValidationError")
        #expect(error.message == "Stack with id MyStack does not exist")
        #expect(error.requestID != nil)
        #expect(error.isNotFound)
    }

    @Test func documentedQueryError() throws {
        let body = try SharedFixtures.data("aws-responses/query-errors/sqs-documented-ErrorResponse.xml")
        let error = AWSErrorDecoder.decode(HTTPResponse(status: 400, body: body), service: .sts, operation: "Op")
        #expect(!error.code.isEmpty && error.code != "BadRequest")
        #expect(!error.message.isEmpty)
        #expect(error.requestID?.isEmpty == false)
    }

    @Test func s3ErrorAndBodilessHead() {
        let error = decode(404, "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><RequestId>abc</RequestId></Error>", service: .s3)
        #expect(error.code == "NoSuchBucket")
        #expect(error.requestID == "abc")
        #expect(error.isNotFound)
        let head = decode(404, "", service: .s3)
        #expect(head.code == "NotFound")
        #expect(head.isNotFound)
        #expect(decode(403, "", service: .s3).code == "Forbidden")
    }

    @Test func malformedBodiesDoNotCrashAndStaySingleLine() {
        let html = decode(502, "<html>\n<body>\n<h1>Bad Gateway</h1>\n</body>")
        #expect(html.code == "BadGateway")
        #expect(!html.message.contains("\n"))
        let truncatedJSON = decode(500, #"{"__type": "Internal"#)
        #expect(truncatedJSON.code == "InternalError")
        let garbage = decode(503, String(repeating: "\u{01}x", count: 1000))
        #expect(garbage.code == "ServiceUnavailable")
        #expect(garbage.message.count <= 201)
    }

    @Test func descriptionNamesServiceOperationCodeAndStatus() {
        let error = AWSError(service: "s3", operation: "PutObject", code: "AccessDenied", message: "Access Denied", requestID: "R1", httpStatus: 403)
        #expect(error.description == "s3 PutObject failed: AccessDenied: Access Denied (HTTP 403, request id R1)")
    }

    /// Not-found is AWS's naming convention, so a new service's `…NotFoundException` needs no edit here.
    @Test(arguments: [
        ("NoSuchBucket", "", true), ("NoSuchKey", "", true), ("NotFound", "", true),
        ("ResourceNotFoundException", "", true), ("PipelineNotFoundException", "", true), ("PipelineExecutionNotFoundException", "", true),
        ("ValidationError", "Stack with id x does not exist", true), ("ValidationError", "Template format error", false),
        ("AccessDenied", "", false), ("ThrottlingException", "", false), ("NotFoundExceptionally", "", false),
    ])
    func notFoundFollowsAWSNamingConventions(code: String, message: String, expected: Bool) {
        #expect(AWSError(service: "svc", operation: "Op", code: code, message: message).isNotFound == expected)
    }
}
