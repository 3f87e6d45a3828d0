import AWSXML
import Foundation
import FuzzSupport

/// The libxml2 reader on AWS responses: parse, walk the copied tree the way the service clients do,
/// run XPath over it; and the writer's promise, checked on the input's text: whatever it writes, the
/// reader gives back unchanged.
@main
enum XMLFuzz {
    static let cloudFormation = ["cfn": "http://cloudformation.amazonaws.com/doc/2010-05-15/"]

    static func main() {
        FuzzDriver.run("xml") { bytes, count in XMLFuzz.check(FuzzDriver.data(bytes, count)) }
    }

    static func check(_ input: Data) -> Int32 {
            if let root = try? XMLDocument.parse(input) {
                walk(root)
                _ = root.string("DescribeStacksResult", "Stacks", "member", "StackStatus")
                _ = root.all("DescribeStacksResult", "Stacks", "member")
                _ = try? XMLDocument.xpath(input, "//cfn:StackId", namespaces: cloudFormation)
                _ = try? XMLDocument.xpath(input, "//*[local-name()='Error']")
            }
            roundTrip(String(decoding: input.prefix(4096), as: UTF8.self))
            return 0
    }

    static func walk(_ element: XMLElement) {
        _ = element.text.utf8.count + element.attributes.count
        for child in element.children { walk(child) }
    }

    /// `XMLWriter` refuses what XML cannot carry; what it accepts must read back as written.
    static func roundTrip(_ text: String) {
        var writer = XMLWriter()
        do throws(XMLWriteError) {
            try writer.element("Key", attributes: ["value": text], text: text)
        } catch {
            if XMLWriter.canCarry(text) { FuzzDriver.fail("canCarry but not writable: \(error)") }
            return
        }
        guard let read = try? XMLDocument.parse(writer.data) else { FuzzDriver.fail("written document does not parse: \(writer.string)") }
        if read.text != text { FuzzDriver.fail("text \(Array(text.unicodeScalars)) read back as \(Array(read.text.unicodeScalars))") }
        if read.attributes["value"] != text { FuzzDriver.fail("attribute \(Array(text.unicodeScalars)) read back as \(String(describing: read.attributes["value"]))") }
    }
}
