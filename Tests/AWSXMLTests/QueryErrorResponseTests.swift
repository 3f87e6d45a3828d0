import Foundation
import Testing
import AWSXML

/// Query-protocol `ErrorResponse` bodies: moto's (default namespace) and AWS's documented SQS one (none).
@Suite("Query error responses")
struct QueryErrorResponseTests {
    @Test func motoCloudFormationValidationError() throws {
        let root = try XMLDocument.parse(
            Fixtures.data("query-errors/cloudformation-ValidationError.moto-rendered.xml"))
        #expect(root.name == "ErrorResponse")
        #expect(root.namespace == "http://cloudformation.amazonaws.com/doc/2010-05-15/")
        #expect(root.string("Error", "Type") == "Sender")
        #expect(root.string("Error", "Code") == "ValidationError")
        #expect(root.string("Error", "Message") == "Stack with id MyStack does not exist")
        // RequestId sits directly under ErrorResponse, not in ResponseMetadata.
        #expect(root.string("RequestId") == "cf4c737e-5ae2-11e4-a7c9-ad44eEXAMPLE")
        #expect(root.string("ResponseMetadata", "RequestId") == nil)
    }

    @Test func documentedSQSErrorResponse() throws {
        let root = try XMLDocument.parse(Fixtures.data("query-errors/sqs-documented-ErrorResponse.xml"))
        #expect(root.name == "ErrorResponse")
        #expect(root.namespace == nil)
        #expect(root.string("Error", "Code") == "InvalidParameterValue")
        #expect(root.string("RequestId") == "42d59b56-7407-4c4a-be0f-4c88daeea257")
        // Text is verbatim: the documented sample's indentation and newlines are kept; callers trim.
        let message = try #require(root.string("Error", "Message"))
        #expect(message.hasPrefix("\n"))
        #expect(message.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix(
            "Value (quename_nonalpha) for parameter QueueName is invalid."))
        #expect(message.contains("Must be an alphanumeric String of 1 to 80 in length."))
    }
}
