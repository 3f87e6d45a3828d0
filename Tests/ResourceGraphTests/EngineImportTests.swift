import Foundation
import Testing

/// The engine (`ResourceGraph`, `Blueprint`, `Orchestrator`) knows nothing about AWS, GitHub, HTTP or SQL.
/// `Package.swift` only stops a target from importing modules it does not list; a new dependency line is
/// one edit away, so this test reads the sources themselves and names the file and line of any import
/// that would tie the engine to the world outside it.
@Suite("Engine imports")
struct EngineImportTests {
    /// Modules no engine file may import, named one by one so a reader sees the boundary.
    static let forbidden: Set<String> = [
        "AWSCore", "AWSServices", "AWSSigV4", "AWSCredentialProviders", "AWSXML", "LocalAWSSupport",
        "GitHub", "HTTPTransport", "StateStoreSQLite", "CSQLite", "Providers", "Supervisor", "WebServer",
        "Hummingbird", "HummingbirdCore", "HummingbirdHTTP2", "HummingbirdTLS", "Crypto", "_CryptoExtras",
        "FoundationNetworking", "AsyncHTTPClient", "NIO", "NIOCore", "NIOHTTP1", "NIOPosix", "NIOSSL",
    ]

    /// What each engine module may import; anything else (forbidden or merely new) fails the test, and
    /// the dependency direction is pinned too: `ResourceGraph` ← `Blueprint` ← `Orchestrator`.
    static let allowed: [String: Set<String>] = [
        "ResourceGraph": ["Foundation"],
        // CYaml: Yams's own libyaml, whose events `YAMLExpansion` counts before anything is composed (alias bombs).
        "Blueprint": ["Foundation", "Yams", "CYaml", "ResourceGraph"],
        "Orchestrator": ["Foundation", "Synchronization", "Blueprint", "ResourceGraph"],
    ]

    struct Violation: CustomStringConvertible, Equatable {
        var file: String
        var line: Int
        var module: String
        var isForbidden: Bool
        var description: String {
            "\(file):\(line): imports \(module)" + (isForbidden ? " (forbidden in the engine)" : " (not in the allowed list)")
        }
    }

    /// The module named by each `import` line of `source`, with its 1-based line number. Handles
    /// attributes (`@testable`, `@_exported`), access levels (`public import`) and declaration imports
    /// (`import struct NIOCore.ByteBuffer`).
    static func imports(in source: String) -> [(line: Int, module: String)] {
        let leading: Set<String> = ["public", "internal", "package", "private", "fileprivate"]
        let kinds: Set<String> = ["struct", "class", "enum", "protocol", "typealias", "func", "var", "let"]
        var found: [(line: Int, module: String)] = []
        for (offset, text) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            while let first = words.first, first.hasPrefix("@") || leading.contains(first) { words.removeFirst() }
            guard words.first == "import", words.count > 1 else { continue }
            var name = words[1]
            if kinds.contains(name), words.count > 2 { name = words[2] }
            if let module = name.split(separator: ".").first { found.append((offset + 1, String(module))) }
        }
        return found
    }

    static func violations(module: String, file: String, source: String) -> [Violation] {
        let allowed = Self.allowed[module] ?? []
        return imports(in: source).compactMap { line, imported in
            if forbidden.contains(imported) || imported.hasPrefix("AWS") || imported.hasPrefix("Hummingbird") {
                return Violation(file: file, line: line, module: imported, isForbidden: true)
            }
            return allowed.contains(imported) ? nil : Violation(file: file, line: line, module: imported, isForbidden: false)
        }
    }

    /// `Sources/`, found from this file's path (`Tests/ResourceGraphTests/…`) so the test reads the
    /// checkout it was built from.
    static var sourcesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    @Test func engineModulesImportNothingOutsideTheEngine() throws {
        var checked = 0
        var problems: [Violation] = []
        for module in Self.allowed.keys.sorted() {
            let directory = Self.sourcesDirectory.appendingPathComponent(module)
            guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
                Issue.record("cannot list \(directory.path)")
                continue
            }
            var inModule = 0
            for case let url as URL in walker where url.pathExtension == "swift" {
                let source = try String(contentsOf: url, encoding: .utf8)
                let relative = "Sources/\(module)" + url.path.dropFirst(directory.path.count)
                problems += Self.violations(module: module, file: relative, source: source)
                inModule += 1
            }
            // An empty folder would make the check pass without looking at anything.
            #expect(inModule > 0, "no Swift files found under \(directory.path)")
            checked += inModule
        }
        #expect(checked > 0)
        #expect(problems.isEmpty, "\(problems.map(\.description).joined(separator: "\n"))")
    }

    /// The checker itself: it must catch the forms an import can take, and name where they are.
    @Test func checkerNamesFileAndLineOfEachForbiddenImport() {
        let source = """
            import Foundation
            @testable import AWSCore
              public import GitHub
            import struct NIOCore.ByteBuffer
            import Yams
            // import CSQLite is only a comment
            let text = "import Providers"
            import Dispatch
            """
        #expect(Self.violations(module: "ResourceGraph", file: "X.swift", source: source).map(\.description) == [
            "X.swift:2: imports AWSCore (forbidden in the engine)",
            "X.swift:3: imports GitHub (forbidden in the engine)",
            "X.swift:4: imports NIOCore (forbidden in the engine)",
            "X.swift:5: imports Yams (not in the allowed list)",
            "X.swift:8: imports Dispatch (not in the allowed list)",
        ])
        #expect(Self.violations(module: "Blueprint", file: "Y.swift", source: "import Yams\nimport ResourceGraph\n").isEmpty)
        #expect(Self.violations(module: "ResourceGraph", file: "Z.swift", source: "import Blueprint").map(\.line) == [1])
    }
}
