import Blueprint
import Foundation
import Providers
import Testing

/// `blueprints/README.md`'s type reference is written from the kinds, so it cannot drift from what
/// the loader accepts. `PRENV_WRITE_DOCS=1 swift test --filter TypeReferenceTests` rewrites it.
@Suite struct TypeReferenceTests {
    static let begin = "<!-- type reference: generated from the resource kinds (Sources/Providers/*/…Kind.swift) by TypeReferenceTests -->"
    static let end = "<!-- end of the generated type reference -->"

    static var readmePath: String {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("blueprints/README.md").path
    }

    @Test func readmeTypeReferenceMatchesTheKinds() throws {
        let readme = try String(contentsOfFile: Self.readmePath, encoding: .utf8)
        let start = try #require(readme.range(of: Self.begin), "README lacks the begin marker")
        let stop = try #require(readme.range(of: Self.end), "README lacks the end marker")
        let expected = "\n\n" + TypeReference.markdown(ProviderKind.all.resourceKinds) + "\n"
        let actual = String(readme[start.upperBound..<stop.lowerBound])
        if actual != expected, ProcessInfo.processInfo.environment["PRENV_WRITE_DOCS"] == "1" {
            try (readme[..<start.upperBound] + expected + readme[stop.lowerBound...]).write(toFile: Self.readmePath, atomically: true, encoding: .utf8)
            return
        }
        #expect(actual == expected, "blueprints/README.md's type reference is stale; run PRENV_WRITE_DOCS=1 swift test --filter TypeReferenceTests")
    }

    @Test(arguments: ProviderKind.all.map(\.type.rawValue))
    func everyKindDocumentsEveryPropertyAndOutput(type: String) throws {
        let kind = try #require(ProviderKind.all.first { $0.type.rawValue == type }).resource
        #expect(!kind.summary.isEmpty)
        for property in kind.properties {
            #expect(!property.summary.isEmpty, "\(type) property \(property.name) has no summary")
        }
        for output in kind.outputs.fixed {
            #expect(kind.outputs.summary.contains("`\(output)`"), "\(type) output \(output) is not documented")
        }
        for property in kind.immutableProperties {
            #expect(kind.properties.contains { $0.name == property }, "\(type) immutable property \(property) is not in its schema")
        }
    }

    @Test func typeNamesAreUniqueAndNamespaced() {
        let names = ProviderKind.all.map(\.type.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix("aws/") })
    }
}
