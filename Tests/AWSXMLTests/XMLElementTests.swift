import Foundation
import Testing
import AWSXML

/// Tree shape and navigation semantics, on hand-written documents.
@Suite("XMLElement")
struct XMLElementTests {
    static let sample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:x="urn:extra">
          <!-- comment is not text -->
          <Name>bucket</Name>
          <Contents><Key> spaced key </Key><Size>1</Size></Contents>
          <Contents><Key><![CDATA[a<b]]>&amp;c&#x41;</Key><Size>2</Size></Contents>
          <x:Owner x:id="7" plain="p">o</x:Owner>
          <Group><Item>1</Item><Item>2</Item></Group>
          <Group><Item>3</Item></Group>
        </ListBucketResult>
        """

    @Test func shapeAndText() throws {
        let root = try XMLDocument.parse(Self.sample)
        #expect(root.name == "ListBucketResult")
        #expect(root.line == 2)
        #expect(root.children.map(\.name) == ["Name", "Contents", "Contents", "Owner", "Group", "Group"])
        #expect(root.children("Contents").compactMap { $0.string("Key") } == [" spaced key ", "a<b&cA"])
        #expect(root.child("Contents")?.line == 5)
        #expect(root.attributes.isEmpty)
        let owner = try #require(root.child("Owner"))
        #expect(owner.namespace == "urn:extra")
        #expect(owner.attributes == ["id": "7", "plain": "p"])
        #expect(owner.text == "o")
    }

    @Test func navigation() throws {
        let root = try XMLDocument.parse(Self.sample)
        #expect(root.path() == root)
        #expect(root.all() == [root])
        #expect(root.path("Group", "Item")?.text == "1")
        #expect(root.all("Group", "Item").map(\.text) == ["1", "2", "3"])
        #expect(root.string("Group", "Missing") == nil)
        #expect(root.string("Missing") == nil)
        #expect(root.all("Missing", "Item").isEmpty)
        #expect(root.child("Name")?.children.isEmpty == true)
    }

    @Test func valuesAreSendableAndEquatable() async throws {
        let root = try XMLDocument.parse(Self.sample)
        let copy = await Task.detached { root }.value
        #expect(copy == root)
        #expect(XMLElement(name: "a", text: "x") != XMLElement(name: "a", text: "y"))
    }
}
