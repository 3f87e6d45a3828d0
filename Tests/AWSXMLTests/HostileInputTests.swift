import Foundation
import Testing
import AWSXML
import SeededRandom

/// Bad or hostile bodies produce an ``XMLParseError`` (or harmless output), never a crash, a hang, a file
/// read or a network fetch.
@Suite("Hostile and malformed input")
struct HostileInputTests {
    func parseError(_ text: String) throws -> XMLParseError {
        try #require(throws: XMLParseError.self) { try XMLDocument.parse(text) }
    }

    @Test func emptyAndBlankInput() throws {
        #expect(try parseError("") == XMLParseError(message: "Document is empty", line: 1, column: 1))
        #expect(try parseError("  \n\t ").line >= 1)
    }

    @Test func truncatedInput() throws {
        let full = try Fixtures.data("cloudformation/DescribeStacks.response.xml")
        for length in [1, 10, full.count / 2, full.count - 3] {
            let error = try #require(throws: XMLParseError.self) { try XMLDocument.parse(full.prefix(length)) }
            #expect(error.line >= 1, "prefix \(length): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    @Test func binaryGarbage() {
        var generator = SplitMix64(seed: 0x5EED)
        let random = Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        let samples: [Data] = [
            random, Data([0xFF, 0xFE, 0x00, 0x3C]), Data(repeating: 0, count: 64),
            Data("<a>\u{0}</a>".utf8), Data([0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E]),  // bad UTF-8
            Data("<a><b></a>".utf8), Data("<a>&undeclared;</a>".utf8), Data("<p:a/>".utf8),  // unbound prefix
        ]
        for sample in samples {
            #expect(throws: XMLParseError.self, "\(Array(sample.prefix(8)))") { try XMLDocument.parse(sample) }
        }
    }

    @Test func billionLaughsIsRefusedAtTheDoctype() throws {
        var entities = #"<!ENTITY lol0 "lol">"#
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">"
        }
        let error = try parseError("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\(entities)]>\n<lolz>&lol9;</lolz>")
        #expect(error.message.contains("DOCTYPE"))
        #expect(error.line == 2)
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let xxe = #"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#
        let error = try parseError(xxe)
        #expect(error.message.contains("DOCTYPE"))
        #expect(!error.message.contains("root:"))
        // External DTD and parameter entities: refused before anything is fetched.
        #expect(try parseError(#"<!DOCTYPE r SYSTEM "http://127.0.0.1:9/x.dtd"><r/>"#).message.contains("DOCTYPE"))
        #expect(try parseError(#"<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>"#)
            .message.contains("DOCTYPE"))
    }

    @Test func xincludeIsInertData() throws {
        let root = try XMLDocument.parse(#"""
            <r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>
            """#)
        #expect(root.children.map(\.name) == ["include"])
        #expect(root.children.first?.text == "")
        #expect(root.children.first?.attributes["href"] == "file:///etc/passwd")
    }

    @Test func hugeInputIsRejectedBeforeParsing() throws {
        let data = Data(count: XMLDocument.maximumInputBytes + 1)
        let error = try #require(throws: XMLParseError.self) { try XMLDocument.parse(data) }
        #expect(error.message.contains("limit"))
    }

    @Test func deepNestingHitsLibxml2sLimitInsteadOfTheStack() throws {
        let depth = 100_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let error = try parseError(text)
        #expect(error.line == 1)
    }
}

