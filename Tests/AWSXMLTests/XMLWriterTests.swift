import Foundation
import Testing
import AWSXML

/// Request bodies: exact bytes for the S3 shapes, escaping, round trips, and refusal of unwritable text.
@Suite("XMLWriter")
struct XMLWriterTests {
    static let s3 = "http://s3.amazonaws.com/doc/2006-03-01/"

    func deleteObjects(_ keys: [String]) throws(XMLWriteError) -> XMLWriter {
        var writer = XMLWriter()
        try writer.element("Delete", namespace: Self.s3) { body throws(XMLWriteError) in
            for key in keys {
                try body.element("Object") { object throws(XMLWriteError) in try object.element("Key", text: key) }
            }
            try body.element("Quiet", text: "true")
        }
        return writer
    }

    @Test func deleteObjectsBody() throws {
        #expect(try deleteObjects(["a.txt", "dir/b"]).string == #"<?xml version="1.0" encoding="UTF-8"?>"#
            + #"<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a.txt</Key></Object>"#
            + "<Object><Key>dir/b</Key></Object><Quiet>true</Quiet></Delete>")
    }

    @Test func createBucketConfigurationBody() throws {
        var writer = XMLWriter(declaration: false)
        try writer.element("CreateBucketConfiguration", namespace: Self.s3) { body throws(XMLWriteError) in
            try body.element("LocationConstraint", text: "eu-west-1")
        }
        #expect(writer.string == #"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">"#
            + "<LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
        #expect(writer.data == Data(writer.string.utf8))
    }

    @Test func escapesTheFiveSpecialCharactersAndCarriageReturn() throws {
        var writer = XMLWriter(declaration: false)
        try writer.element("K", attributes: ["a": "<\"'&>\n\t\r"], text: "<\"'&>\n\t\r]]>")
        #expect(writer.string == "<K a=\"&lt;&quot;&apos;&amp;&gt;&#10;&#9;&#13;\">"
            + "&lt;&quot;&apos;&amp;&gt;\n\t&#13;]]&gt;</K>")
    }

    @Test func awkwardKeysRoundTripThroughTheParser() throws {
        let keys = [
            "a&b<c>d\"e'f", " leading and trailing ", "line\nbreak", "cr\rlf\r\n", "tab\there", "]]>",
            "unicode ✓ é 𝄞 \u{85}\u{2028}", "&amp; already escaped", "", "%2F+?#",
        ]
        let parsed = try XMLDocument.parse(deleteObjects(keys).data)
        #expect(parsed.namespace == Self.s3)
        #expect(parsed.all("Object", "Key").map(\.text) == keys)
        #expect(parsed.string("Quiet") == "true")

        var writer = XMLWriter()
        let value = "x\ny\tz\r<&>\"'"
        try writer.element("A", attributes: ["v": value, "w": ""], text: "")
        #expect(try XMLDocument.parse(writer.data).attributes == ["v": value, "w": ""])
    }

    @Test(arguments: ["\u{0}", "bad\u{1}key", "\u{1B}[0m", "\u{FFFE}", "\u{FFFF}", "\u{7}"])
    func refusesCharactersXMLCannotCarry(key: String) throws {
        let error = try #require(throws: XMLWriteError.self) { try deleteObjects(["fine", key]) }
        #expect(error.message.contains("<Key>"))
        #expect(error.message.contains("U+"))
    }

    @Test func refusalNamesTheCodePoint() throws {
        let error = try #require(throws: XMLWriteError.self) { try deleteObjects(["bad\u{1}key"]) }
        #expect(error.message.hasPrefix("<Key> contains U+0001 at character 3"))
    }

    @Test func failedElementLeavesTheWriterUnchanged() throws {
        var writer = XMLWriter(declaration: false)
        try writer.element("Keep", text: "ok")
        #expect(throws: XMLWriteError.self) {
            try writer.element("Outer") { outer throws(XMLWriteError) in
                try outer.element("Inner", text: "fine")
                try outer.element("Bad", text: "\u{2}")
            }
        }
        #expect(writer.string == "<Keep>ok</Keep>")
        #expect(throws: XMLWriteError.self) { try writer.element("v", attributes: ["a": "\u{3}"], text: "") }
        #expect(writer.string == "<Keep>ok</Keep>")
    }

    @Test(arguments: ["", "1abc", "a b", "a<b", "-x", "é", "a\"b"])
    func refusesInvalidNames(name: String) {
        var writer = XMLWriter()
        #expect(throws: XMLWriteError.self) { try writer.element(name, text: "x") }
        #expect(throws: XMLWriteError.self) { try writer.element("ok", attributes: [name: "v"], text: "x") }
        #expect(writer.string == #"<?xml version="1.0" encoding="UTF-8"?>"#)
    }
}
