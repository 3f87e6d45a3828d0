import Foundation
import Testing
import AWSXML

/// XPath with registered prefixes, for moto-style bodies that use a default namespace.
@Suite("XPath")
struct XPathTests {
    static let cfn = ["cfn": "http://cloudformation.amazonaws.com/doc/2010-05-15/"]

    @Test func registeredPrefixMatchesDefaultNamespacedElements() throws {
        let data = try Fixtures.data("query-errors/cloudformation-ValidationError.moto-rendered.xml")
        let codes = try XMLDocument.xpath(data, "/cfn:ErrorResponse/cfn:Error/cfn:Code", namespaces: Self.cfn)
        #expect(codes.map(\.text) == ["ValidationError"])
        #expect(codes.first?.line == 4)
        // Without a prefix, XPath 1.0 only matches elements in no namespace.
        #expect(try XMLDocument.xpath(data, "//Code").isEmpty)
        #expect(try XMLDocument.xpath(data, "//*[local-name()='RequestId']").map(\.text)
            == ["cf4c737e-5ae2-11e4-a7c9-ad44eEXAMPLE"])
    }

    @Test func predicatesAndSubtreesComeOutWhole() throws {
        let data = try Fixtures.data("cloudformation/DescribeStackEvents.response.xml")
        let withReason = try XMLDocument.xpath(data, "//cfn:member[cfn:ResourceStatusReason]", namespaces: Self.cfn)
        #expect(withReason.map { $0.string("ResourceStatusReason") }
            == ["Resource creation Initiated", "User Initiated"])
        #expect(withReason.first?.children.count == 10)
    }

    @Test func unprefixedDocumentNeedsNoNamespaces() throws {
        let data = try Fixtures.data("query-errors/sqs-documented-ErrorResponse.xml")
        #expect(try XMLDocument.xpath(data, "/ErrorResponse/Error/Code").map(\.text) == ["InvalidParameterValue"])
    }

    @Test func nonElementResultsAreSkipped() throws {
        let data = Data(#"<r a="1"><b>x</b></r>"#.utf8)
        #expect(try XMLDocument.xpath(data, "/r/@a").isEmpty)
        #expect(try XMLDocument.xpath(data, "/r/b/text()").isEmpty)
        #expect(try XMLDocument.xpath(data, "/nothing").isEmpty)
    }

    @Test func badExpressionsThrow() throws {
        let data = Data("<r/>".utf8)
        let prefix = try #require(throws: XMLParseError.self) { try XMLDocument.xpath(data, "/x:r") }
        #expect(prefix.message.contains("Undefined namespace prefix"))
        #expect(prefix.line == 0)
        let syntax = try #require(throws: XMLParseError.self) { try XMLDocument.xpath(data, "//[") }
        #expect(syntax.message.contains("//["))
        let count = try #require(throws: XMLParseError.self) { try XMLDocument.xpath(data, "count(/r)") }
        #expect(count.message.contains("does not select nodes"))
        #expect(throws: XMLParseError.self) { try XMLDocument.xpath(data, "/r", namespaces: ["": "urn:x"]) }
    }

    @Test func malformedDocumentReportsItsPosition() throws {
        let data = try Fixtures.data("cloudformation/DescribeStackEvents.response.verbatim-malformed.xml")
        let error = try #require(throws: XMLParseError.self) {
            try XMLDocument.xpath(data, "//cfn:member", namespaces: Self.cfn)
        }
        #expect(error.line == 11)
    }
}
